#pragma once

// The CDC change source's pure half: which stream relations are contract tables, and the row
// changes of one or more source transactions reduced to what the Stager stages (the latest row
// image per key, the deleted keys, truncations). No I/O: unit-tested in tests/unit.

#include "acme/cdc/pgoutput.hpp"
#include "acme/etl/tables.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace acme::cdc {

// One staging row: the values of TableSpec::columns, in that order, as PostgreSQL text.
using Row = std::vector<std::optional<std::string>>;

// A stream relation that is one of the four contract tables.
struct MappedRelation {
  const etl::TableSpec* table = nullptr;
  std::vector<std::size_t> columns; // staging column i -> the relation's column index
  std::size_t key = 0;              // the relation's column index of the primary key
};

// The relations the stream has described (Relation messages), mapped to the contract tables of
// `schema`. Columns the contract does not use are ignored (a column added to a published table
// changes nothing); a contract column that is missing (dropped or renamed) is acme::Fatal naming
// it.
class RelationMap {
public:
  explicit RelationMap(std::string schema) : m_schema(std::move(schema)) {}

  void add(const Relation& relation);

  // The contract table a relation id stands for, or nullptr (another table, or not described).
  const MappedRelation* find(std::uint32_t relation_id) const;

private:
  std::string m_schema;
  std::map<std::uint32_t, MappedRelation> m_mapped;
};

// The changes of a run of source transactions, reduced per table: a key's latest image wins, a
// delete after an upsert removes it (and the reverse), a truncate forgets everything before it.
class ChangeBatch {
public:
  struct TableChanges {
    bool truncated = false;              // every row before the upserts below is gone
    std::map<std::int64_t, Row> upserts; // key -> latest row image
    std::set<std::int64_t> deletes;      // keys deleted (and not re-inserted since)
    std::set<std::int64_t> refetch;      // keys whose image is incomplete: read the source
  };

  // A history event (orders and customers only): one change as the stream carried it, in order.
  // `key` < 0 with `deleted`: the whole table was truncated.
  struct Event {
    std::int64_t seq = 0;
    std::int64_t key = 0;
    bool deleted = false;
    Row row; // the staging row of an insert or update
    PgTimestamp commit_time = 0;
  };

  // The commit time of the source transaction whose changes follow (from its Begin).
  void begin_transaction(PgTimestamp commit_time) { m_commit_time = commit_time; }

  // Applies one Insert, Update or Delete of `relation`. An Update's unchanged TOAST values are
  // taken from the old image; if that is not possible the key is marked for a re-read.
  void apply(const MappedRelation& relation, Change change);

  // TRUNCATE of `table`.
  void truncate(const etl::TableSpec& table);

  // History events per table name ("orders", "customers").
  const std::map<std::string, std::vector<Event>>& events() const { return m_events; }

  // Per source table name; only tables with changes appear.
  const std::map<std::string, TableChanges>& tables() const { return m_tables; }
  // Moves the reduced changes out (a flush stages them without a second copy of every row
  // image); events() and changes() stay until clear().
  std::map<std::string, TableChanges> take_tables() { return std::exchange(m_tables, {}); }

  // Row changes received since clear() (not the reduced count), per source table name: the
  // rows read, as metrics count them.
  const std::map<std::string, std::int64_t>& received_by_table() const { return m_received; }
  // Their sum: the flush threshold.
  std::int64_t changes() const;
  bool empty() const { return m_tables.empty(); }
  void clear();

private:
  TableChanges& of(const etl::TableSpec& table);
  void record(const etl::TableSpec& table, std::int64_t key, bool deleted, const Row* row);

  std::map<std::string, TableChanges> m_tables;
  std::map<std::string, std::vector<Event>> m_events;
  std::int64_t m_seq = 0;
  PgTimestamp m_commit_time = 0;
  std::map<std::string, std::int64_t> m_received;
};

} // namespace acme::cdc
