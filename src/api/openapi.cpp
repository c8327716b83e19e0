// GET /api/v1/openapi.json: the OpenAPI 3 document, built from the report catalog so that the
// reports' schemas are the columns they return.
#include "acme/api/api.hpp"
#include "acme/report/reports.hpp"
#include "acme/version.hpp"

namespace acme::api {
namespace {

using nlohmann::json;

json cell_schema(report::CellKind kind) {
  switch (kind) {
  case report::CellKind::number:
    // exact digits as PostgreSQL printed them; NaN and infinities (no JSON number) as strings
    return {{"oneOf", json::array({{{"type", "number"}}, {{"type", "string"}}})},
            {"nullable", true}};
  case report::CellKind::date:
    return {{"type", "string"}, {"format", "date"}, {"nullable", true}};
  case report::CellKind::text:
  default:
    return {{"type", "string"}, {"nullable", true}};
  }
}

json schema_ref(const std::string& name) {
  return {{"$ref", "#/components/schemas/" + name}};
}

json response(const std::string& description, const json& schema,
              const std::string& media = "application/json") {
  return {{"description", description}, {"content", {{media, {{"schema", schema}}}}}};
}

json errors() {
  return {{"400", response("Bad parameter", schema_ref("Error"))},
          {"401", response("Missing or wrong bearer token", schema_ref("Error"))},
          {"404", response("Not found", schema_ref("Error"))},
          {"503", response("Target unavailable, not ready, or busy", schema_ref("Error"))},
          {"504", response("Statement timeout", schema_ref("Error"))}};
}

json param(const std::string& name, const std::string& in, const json& schema, bool required,
           const std::string& description) {
  return {{"name", name},
          {"in", in},
          {"required", required},
          {"schema", schema},
          {"description", description}};
}

json schemas() {
  json s;
  s["Error"] = {{"type", "object"},
                {"required", {"error", "code"}},
                {"properties", {{"error", {{"type", "string"}}}, {"code", {{"type", "string"}}}}}};
  s["Order"] = {{"type", "object"},
                {"required", {"order_id", "status", "total_items", "total_amount", "is_open"}},
                {"properties",
                 {{"order_id", {{"type", "integer"}}},
                  {"customer_id", {{"type", "integer"}, {"nullable", true}}},
                  {"customer_name", {{"type", "string"}, {"nullable", true}}},
                  {"order_date", {{"type", "string"}, {"format", "date"}, {"nullable", true}}},
                  {"delivery_date", {{"type", "string"}, {"format", "date"}, {"nullable", true}}},
                  {"status", {{"type", "string"}, {"nullable", true}}},
                  {"total_items", {{"type", "integer"}}},
                  {"total_amount", {{"type", "number"}}},
                  {"is_open", {{"type", "boolean"}}},
                  {"updated_at", {{"type", "string"}, {"nullable", true}}},
                  {"synced_at", {{"type", "string"}}}}}};
  s["Item"] = {{"type", "object"},
               {"required", {"order_item_id"}},
               {"properties",
                {{"order_item_id", {{"type", "integer"}}},
                 {"product_id", {{"type", "integer"}, {"nullable", true}}},
                 {"product_name", {{"type", "string"}, {"nullable", true}}},
                 {"quantity", {{"type", "integer"}, {"nullable", true}}},
                 {"price", {{"type", "number"}, {"nullable", true}}},
                 {"updated_at", {{"type", "string"}, {"nullable", true}}}}}};
  s["StatusInterval"] = {{"type", "object"},
                         {"required", {"valid_from", "observed_by"}},
                         {"properties",
                          {{"status", {{"type", "string"}, {"nullable", true}}},
                           {"valid_from", {{"type", "string"}}},
                           {"valid_to", {{"type", "string"}, {"nullable", true}}},
                           {"observed_by", {{"type", "string"}}}}}};
  s["OrderDetail"] = {
      {"type", "object"},
      {"required", {"order", "items", "status_history"}},
      {"properties",
       {{"order", schema_ref("Order")},
        {"items", {{"type", "array"}, {"items", schema_ref("Item")}}},
        {"status_history", {{"type", "array"}, {"items", schema_ref("StatusInterval")}}}}}};
  s["CustomerOrders"] = {{"type", "object"},
                         {"required", {"customer_id", "orders", "next_after"}},
                         {"properties",
                          {{"customer_id", {{"type", "integer"}}},
                           {"orders", {{"type", "array"}, {"items", {{"type", "object"}}}}},
                           {"next_after", {{"type", "integer"}, {"nullable", true}}}}}};
  for (const auto& r : report::catalog()) {
    json row = {{"type", "object"}, {"properties", json::object()}, {"required", json::array()}};
    for (const auto& c : r.columns) {
      row["properties"][std::string(c.name)] = cell_schema(c.kind);
      row["required"].push_back(std::string(c.name));
    }
    s["Report_" + std::string(r.name)] = {
        {"type", "object"},
        {"required", {"report", "sync_id", "generated_at", "rows"}},
        {"properties",
         {{"report", {{"type", "string"}}},
          {"sync_id", {{"type", "integer"}, {"nullable", true}}},
          {"generated_at", {{"type", "string"}}},
          {"rows", {{"type", "array"}, {"items", row}}}}}};
  }
  return s;
}

json report_paths() {
  json paths = json::object();
  for (const auto& r : report::catalog()) {
    json get = {{"summary", "The " + std::string(r.name) + " report (same SQL and columns as " +
                                "export-reports' " + std::string(r.file_name) + ")"},
                {"parameters", json::array({param("format", "query",
                                                  {{"type", "string"}, {"enum", {"json", "csv"}}},
                                                  false, "json (default) or csv")})},
                {"responses", errors()}};
    if (r.name == "status-durations") {
      get["parameters"].push_back(param("days", "query",
                                        {{"type", "integer"}, {"minimum", 1}, {"maximum", 3650}},
                                        false, "closed intervals of the last N days"));
    }
    get["responses"]["200"] = {
        {"description", "The report's rows, from one snapshot"},
        {"content",
         {{"application/json", {{"schema", schema_ref("Report_" + std::string(r.name))}}},
          {"text/csv", {{"schema", {{"type", "string"}}}}}}}};
    paths["/api/v1/reports/" + std::string(r.name)] = {{"get", get}};
  }
  return paths;
}

} // namespace

nlohmann::json Api::openapi() {
  json doc = {{"openapi", "3.0.3"},
              {"info",
               {{"title", "acme API"},
                {"version", std::string(version())},
                {"description", "Read-only access to acme's analytical copy of the orders."}}},
              {"components",
               {{"schemas", schemas()},
                {"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}}},
              {"security", json::array({{{"bearer", json::array()}}})}};
  json paths = report_paths();
  json order_get = {
      {"summary", "One order, its items and its status history"},
      {"parameters", json::array({param("id", "path", {{"type", "integer"}}, true, "order_id")})},
      {"responses", errors()}};
  order_get["responses"]["200"] = response("The order", schema_ref("OrderDetail"));
  paths["/api/v1/orders/{id}"] = {{"get", order_get}};
  json customer_get = {
      {"summary", "A customer's orders, oldest key first, one page at a time"},
      {"parameters",
       json::array(
           {param("id", "path", {{"type", "integer"}}, true, "customer_id"),
            param("status", "query", {{"type", "string"}}, false, "only this status"),
            param("limit", "query", {{"type", "integer"}, {"minimum", 1}, {"maximum", k_max_page}},
                  false, "page size (default 50)"),
            param("after", "query", {{"type", "integer"}}, false,
                  "next_after of the previous page")})},
      {"responses", errors()}};
  customer_get["responses"]["200"] = response("One page", schema_ref("CustomerOrders"));
  paths["/api/v1/customers/{id}/orders"] = {{"get", customer_get}};
  const json open = json::array();
  paths["/healthz"] = {{"get",
                        {{"summary", "The process is up"},
                         {"security", open},
                         {"responses", {{"200", {{"description", "up"}}}}}}}};
  paths["/readyz"] = {
      {"get",
       {{"summary", "Target reachable and newest sync younger than the limit"},
        {"security", open},
        {"responses",
         {{"200", {{"description", "ready"}}}, {"503", {{"description", "not ready"}}}}}}}};
  paths["/metrics"] = {{"get",
                        {{"summary", "Prometheus metrics of the API"},
                         {"responses", {{"200", {{"description", "text exposition"}}}}}}}};
  paths["/"] = {{"get",
                 {{"summary", "The HTML report, live (reloads itself)"},
                  {"responses", {{"200", {{"description", "text/html"}}}}}}}};
  paths["/api/v1/openapi.json"] = {
      {"get",
       {{"summary", "This document"}, {"responses", {{"200", {{"description", "OpenAPI 3"}}}}}}}};
  doc["paths"] = paths;
  return doc;
}

} // namespace acme::api
