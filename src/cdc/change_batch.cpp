#include "acme/cdc/change_batch.hpp"

#include "acme/error.hpp"

#include <fmt/format.h>

namespace acme::cdc {
namespace {

std::int64_t parse_key(const etl::TableSpec& table, const std::optional<std::string>& text) {
  if (!text) {
    throw Fatal(fmt::format(
        "a change of {} carries no {} (is the table's replica identity "
        "NOTHING? the contract needs REPLICA IDENTITY FULL, or DEFAULT with a primary key)",
        table.source, table.pk));
  }
  std::size_t used = 0;
  const long long v = std::stoll(*text, &used);
  if (used != text->size()) {
    throw Fatal(fmt::format("{}.{} is not an integer in the change stream: '{}'", table.source,
                            table.pk, *text));
  }
  return static_cast<std::int64_t>(v);
}

Row staging_row(const MappedRelation& relation, const Tuple& tuple) {
  Row row;
  row.reserve(relation.columns.size());
  for (const auto index : relation.columns) {
    row.push_back(index < tuple.values.size() ? tuple.values[index] : std::nullopt);
  }
  return row;
}

// The source select list of a table spec, split into column names.
std::vector<std::string> column_names(const etl::TableSpec& table) {
  std::vector<std::string> out;
  std::string_view rest = table.columns;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view name = rest.substr(0, comma);
    while (!name.empty() && name.front() == ' ') {
      name.remove_prefix(1);
    }
    out.emplace_back(name);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  return out;
}

} // namespace

void RelationMap::add(const Relation& relation) {
  m_mapped.erase(relation.id);
  if (relation.schema != m_schema) {
    return;
  }
  for (const auto& table : etl::k_tables) {
    if (relation.name != table.source) {
      continue;
    }
    MappedRelation mapped;
    mapped.table = &table;
    auto index_of = [&](const std::string& name) -> std::size_t {
      for (std::size_t i = 0; i < relation.columns.size(); ++i) {
        if (relation.columns[i].name == name) {
          return i;
        }
      }
      throw Fatal(fmt::format("source table {}.{} has no column {} any more (dropped or renamed): "
                              "the source no longer matches the ACME orders contract",
                              m_schema, table.source, name));
    };
    for (const auto& name : column_names(table)) {
      mapped.columns.push_back(index_of(name));
    }
    mapped.key = index_of(std::string(table.pk));
    m_mapped[relation.id] = std::move(mapped);
    return;
  }
}

const MappedRelation* RelationMap::find(std::uint32_t relation_id) const {
  const auto it = m_mapped.find(relation_id);
  return it == m_mapped.end() ? nullptr : &it->second;
}

void ChangeBatch::record(const etl::TableSpec& table, std::int64_t key, bool deleted,
                         const Row* row) {
  if (table.source != "orders" && table.source != "customers") {
    return;
  }
  Event e;
  e.seq = ++m_seq;
  e.key = key;
  e.deleted = deleted;
  if (row != nullptr) {
    e.row = *row;
  }
  e.commit_time = m_commit_time;
  m_events[std::string(table.source)].push_back(std::move(e));
}

ChangeBatch::TableChanges& ChangeBatch::of(const etl::TableSpec& table) {
  return m_tables[std::string(table.source)];
}

void ChangeBatch::apply(const MappedRelation& relation, Change change) {
  const etl::TableSpec& table = *relation.table;
  auto& t = of(table);
  ++m_received[std::string(table.source)];
  const auto remove = [&](std::int64_t key) {
    t.upserts.erase(key);
    t.refetch.erase(key);
    t.deletes.insert(key);
    record(table, key, true, nullptr);
  };
  if (change.kind == ChangeKind::remove) {
    if (!change.old_tuple) {
      throw Fatal(fmt::format("a delete from {} carries no old key", table.source));
    }
    remove(parse_key(table, change.old_tuple->values.at(relation.key)));
    return;
  }
  bool complete = true;
  if (change.new_tuple.has_unchanged()) {
    complete = fill_unchanged(change.new_tuple, change.old_tuple, change.old_kind);
  }
  const std::int64_t key = parse_key(table, change.new_tuple.values.at(relation.key));
  if (change.kind == ChangeKind::update && change.old_tuple &&
      relation.key < change.old_tuple->values.size() &&
      change.old_tuple->values[relation.key].has_value()) {
    const std::int64_t old_key = parse_key(table, change.old_tuple->values[relation.key]);
    if (old_key != key) {
      remove(old_key); // the primary key itself changed
    }
  }
  t.deletes.erase(key);
  if (complete) {
    auto& row = t.upserts[key];
    row = staging_row(relation, change.new_tuple);
    t.refetch.erase(key);
    record(table, key, false, &row);
  } else { // its history event is lost: the attributes are unknown until the re-read
    t.upserts.erase(key);
    t.refetch.insert(key);
  }
}

void ChangeBatch::truncate(const etl::TableSpec& table) {
  auto& t = of(table);
  ++m_received[std::string(table.source)];
  t = TableChanges{};
  t.truncated = true;
  record(table, -1, true, nullptr);
}

void ChangeBatch::clear() {
  m_tables.clear();
  m_events.clear();
  m_received.clear();
}

std::int64_t ChangeBatch::changes() const {
  std::int64_t n = 0;
  for (const auto& [table, received] : m_received) {
    n += received;
  }
  return n;
}

} // namespace acme::cdc
