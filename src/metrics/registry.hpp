// The metrics registry: owns every metric by name, with its help text and label values, and
// renders them all in the Prometheus text exposition format 0.0.4.
//
// A family is one metric name with one type, one help text and a fixed list of label names;
// each add_*() call adds one child (one set of label values) to a family, creating the family
// on first use. Families render in the order they were first registered.
//
// Threading and ownership: register everything at start-up, before worker threads run; the
// add_*() functions are not thread-safe and throw std::invalid_argument on a bad or duplicate
// name. They return references that stay valid as long as the registry. render() may then be
// called from any thread, concurrently with updates of the metrics.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/counter.hpp"
#include "metrics/gauge.hpp"
#include "metrics/histogram.hpp"

namespace triplex::metrics {

namespace detail {
struct metric_family;
enum class metric_kind : int;
}  // namespace detail

struct label {
  std::string name;
  std::string value;
};
using label_set = std::vector<label>;

class registry {
 public:
  registry();
  ~registry();
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  // Name: [a-zA-Z_:][a-zA-Z0-9_:]*, counters conventionally end in "_total". Label names:
  // [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__", "le" reserved for histograms; every child
  // of a family must use the same label names in the same order.
  counter& add_counter(std::string_view name, std::string_view help, label_set labels = {});
  gauge& add_gauge(std::string_view name, std::string_view help, label_set labels = {});
  histogram& add_histogram(std::string_view name, std::string_view help,
                           std::vector<double> upper_bounds, label_set labels = {});

  // Every family as Prometheus text (Content-Type: text/plain; version=0.0.4).
  std::string render() const;

 private:
  // Finds or creates the family and appends an empty child for `labels` to it.
  detail::metric_family& add_child(std::string_view name, std::string_view help,
                                   detail::metric_kind kind, const label_set& labels);

  std::vector<std::unique_ptr<detail::metric_family>> families_;  // registration order
  std::map<std::string, detail::metric_family*, std::less<>> by_name_;
};

// Content-Type of render()'s output.
inline constexpr std::string_view exposition_content_type = "text/plain; version=0.0.4";

}  // namespace triplex::metrics
