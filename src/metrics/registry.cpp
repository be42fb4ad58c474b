#include "metrics/registry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <utility>
#include <variant>

namespace triplex::metrics {

namespace detail {

enum class metric_kind : int { counter, gauge, histogram };

struct metric_child {
  std::vector<std::string> label_values;
  std::variant<std::unique_ptr<counter>, std::unique_ptr<gauge>, std::unique_ptr<histogram>> metric;
};

struct metric_family {
  std::string name;
  std::string help;
  metric_kind kind;
  std::vector<std::string> label_names;
  std::vector<metric_child> children;
};

}  // namespace detail

namespace {

using detail::metric_child;
using detail::metric_family;
using detail::metric_kind;

bool is_name_char(char c, bool first, bool colon_ok) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  return alpha || (colon_ok && c == ':') || (!first && c >= '0' && c <= '9');
}

bool valid_name(std::string_view name, bool colon_ok) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!is_name_char(name[i], i == 0, colon_ok)) return false;
  }
  return true;
}

void check_labels(std::string_view metric, const label_set& labels, bool is_histogram) {
  for (const auto& l : labels) {
    const bool reserved = l.name.starts_with("__") || (is_histogram && l.name == "le");
    if (!valid_name(l.name, false) || reserved) {
      throw std::invalid_argument("metric " + std::string(metric) + ": bad label name \"" + l.name +
                                  "\"");
    }
  }
}

std::string_view type_name(metric_kind kind) {
  static constexpr std::string_view names[] = {"counter", "gauge", "histogram"};
  return names[static_cast<int>(kind)];
}

void append_escaped(std::string& out, std::string_view text, bool quote_too) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote_too) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void append_double(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  }
}

// `name{a="x",b="y"[,le="..."]}`; the braces are left out when there is no label at all.
void append_series(std::string& out, std::string_view name, const metric_family& f,
                   const metric_child& c, std::string_view le = {}) {
  out += name;
  if (f.label_names.empty() && le.empty()) return;
  out += '{';
  for (std::size_t i = 0; i < f.label_names.size(); ++i) {
    if (i > 0) out += ',';
    out += f.label_names[i];
    out += "=\"";
    append_escaped(out, c.label_values[i], true);
    out += '"';
  }
  if (!le.empty()) {
    if (!f.label_names.empty()) out += ',';
    out += "le=\"";
    out += le;
    out += '"';
  }
  out += '}';
}

template <class Number>
void append_sample(std::string& out, Number value) {
  out += ' ';
  if constexpr (std::is_floating_point_v<Number>) {
    append_double(out, value);
  } else {
    out += std::to_string(value);
  }
  out += '\n';
}

void append_histogram(std::string& out, const metric_family& f, const metric_child& c,
                      const histogram& h) {
  const auto snap = h.snapshot();
  const auto bounds = h.upper_bounds();
  const std::string bucket = f.name + "_bucket";
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    std::string le;
    append_double(le, i < bounds.size() ? bounds[i] : HUGE_VAL);
    append_series(out, bucket, f, c, le);
    append_sample(out, snap.cumulative[i]);
  }
  append_series(out, f.name + "_sum", f, c);
  append_sample(out, snap.sum);
  append_series(out, f.name + "_count", f, c);
  append_sample(out, snap.count);
}

void append_child(std::string& out, const metric_family& f, const metric_child& c) {
  if (const auto* m = std::get_if<std::unique_ptr<counter>>(&c.metric)) {
    append_series(out, f.name, f, c);
    append_sample(out, (*m)->value());
  } else if (const auto* g = std::get_if<std::unique_ptr<gauge>>(&c.metric)) {
    append_series(out, f.name, f, c);
    append_sample(out, (*g)->value());
  } else {
    append_histogram(out, f, c, *std::get<std::unique_ptr<histogram>>(c.metric));
  }
}

}  // namespace

registry::registry() = default;
registry::~registry() = default;

metric_family& registry::add_child(std::string_view name, std::string_view help, metric_kind kind,
                                   const label_set& labels) {
  const std::string what = "metric " + std::string(name);
  if (!valid_name(name, true)) throw std::invalid_argument(what + ": bad name");
  check_labels(name, labels, kind == metric_kind::histogram);
  std::vector<std::string> names, values;
  for (const auto& l : labels) {
    names.push_back(l.name);
    values.push_back(l.value);
  }
  auto it = by_name_.find(name);
  if (it == by_name_.end()) {
    families_.push_back(std::make_unique<metric_family>(
        metric_family{std::string(name), std::string(help), kind, names, {}}));
    it = by_name_.emplace(std::string(name), families_.back().get()).first;
  }
  metric_family& f = *it->second;
  if (f.kind != kind) throw std::invalid_argument(what + ": registered with another type");
  if (f.label_names != names) throw std::invalid_argument(what + ": other label names");
  for (const auto& c : f.children) {
    if (c.label_values == values) throw std::invalid_argument(what + ": duplicate labels");
  }
  f.children.push_back(metric_child{std::move(values), {}});
  return f;
}

counter& registry::add_counter(std::string_view name, std::string_view help, label_set labels) {
  auto& slot = add_child(name, help, metric_kind::counter, labels).children.back().metric;
  return *slot.emplace<std::unique_ptr<counter>>(std::make_unique<counter>());
}

gauge& registry::add_gauge(std::string_view name, std::string_view help, label_set labels) {
  auto& slot = add_child(name, help, metric_kind::gauge, labels).children.back().metric;
  return *slot.emplace<std::unique_ptr<gauge>>(std::make_unique<gauge>());
}

histogram& registry::add_histogram(std::string_view name, std::string_view help,
                                   std::vector<double> upper_bounds, label_set labels) {
  auto h = std::make_unique<histogram>(std::move(upper_bounds));  // throws before registering
  metric_family& f = add_child(name, help, metric_kind::histogram, labels);
  if (f.children.size() > 1) {
    const auto& first = *std::get<std::unique_ptr<histogram>>(f.children.front().metric);
    if (!std::ranges::equal(first.upper_bounds(), h->upper_bounds())) {
      f.children.pop_back();
      throw std::invalid_argument("metric " + std::string(name) + ": other bucket bounds");
    }
  }
  return *f.children.back().metric.emplace<std::unique_ptr<histogram>>(std::move(h));
}

std::string registry::render() const {
  std::string out;
  out.reserve(families_.size() * 256);
  for (const auto& f : families_) {
    out += "# HELP ";
    out += f->name;
    out += ' ';
    append_escaped(out, f->help, false);
    out += "\n# TYPE ";
    out += f->name;
    out += ' ';
    out += type_name(f->kind);
    out += '\n';
    for (const auto& c : f->children)
      append_child(out, *f, c);
  }
  return out;
}

}  // namespace triplex::metrics
