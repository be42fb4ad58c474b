// Unit tests of the sharded metrics, the registry and its Prometheus text output.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "metrics/counter.hpp"
#include "metrics/gauge.hpp"
#include "metrics/histogram.hpp"
#include "metrics/registry.hpp"
#include "metrics/shard.hpp"
#include "metrics/triplex_metrics.hpp"

namespace triplex::metrics {
namespace {

// ---- a strict reader of the text exposition format 0.0.4 ----------------------------------

struct sample {
  std::string name;
  std::map<std::string, std::string> labels;  // unescaped
  std::string value;
};

struct family_text {
  std::string name;
  std::string help;  // unescaped
  std::string type;
  std::vector<sample> samples;
};

bool valid_metric_name(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != ':') return false;
  }
  return true;
}

// Reads `"..."` at s[i] (i on the opening quote); returns the unescaped text, advances i.
std::string read_quoted(std::string_view s, std::size_t& i) {
  EXPECT_EQ(s[i], '"');
  std::string out;
  for (++i; i < s.size() && s[i] != '"'; ++i) {
    if (s[i] == '\n') ADD_FAILURE() << "raw newline in label value";
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    ++i;
    if (i == s.size()) break;
    if (s[i] == 'n') {
      out += '\n';
    } else if (s[i] == '\\' || s[i] == '"') {
      out += s[i];
    } else {
      ADD_FAILURE() << "bad escape \\" << s[i];
    }
  }
  EXPECT_LT(i, s.size()) << "unterminated label value in " << s;
  ++i;
  return out;
}

std::map<std::string, std::string> read_labels(std::string_view s, std::size_t& i) {
  std::map<std::string, std::string> labels;
  ++i;  // '{'
  while (i < s.size() && s[i] != '}') {
    const std::size_t eq = s.find('=', i);
    EXPECT_NE(eq, std::string_view::npos) << s;
    if (eq == std::string_view::npos) return labels;
    const std::string name(s.substr(i, eq - i));
    EXPECT_TRUE(valid_metric_name(name) && name.find(':') == std::string::npos) << name;
    i = eq + 1;
    EXPECT_TRUE(labels.emplace(name, read_quoted(s, i)).second) << "repeated label " << name;
    if (i < s.size() && s[i] == ',') ++i;
  }
  EXPECT_LT(i, s.size()) << "unterminated label set in " << s;
  ++i;
  return labels;
}

bool valid_value(const std::string& v) {
  if (v == "+Inf" || v == "-Inf" || v == "NaN") return true;
  char* end = nullptr;
  std::strtod(v.c_str(), &end);
  return !v.empty() && end == v.c_str() + v.size();
}

sample read_sample(std::string_view line) {
  sample s;
  std::size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ')
    ++i;
  s.name = std::string(line.substr(0, i));
  EXPECT_TRUE(valid_metric_name(s.name)) << line;
  if (i < line.size() && line[i] == '{') s.labels = read_labels(line, i);
  EXPECT_TRUE(i < line.size() && line[i] == ' ') << line;
  s.value = std::string(line.substr(i + 1));
  EXPECT_TRUE(valid_value(s.value)) << line;
  return s;
}

std::string unescape_help(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
    } else if (++i < text.size()) {
      EXPECT_TRUE(text[i] == '\\' || text[i] == 'n') << "bad escape in HELP";
      out += text[i] == 'n' ? '\n' : text[i];
    }
  }
  return out;
}

bool belongs_to(const family_text& f, const std::string& sample_name) {
  if (sample_name == f.name) return f.type != "histogram";
  if (f.type != "histogram") return false;
  return sample_name == f.name + "_bucket" || sample_name == f.name + "_sum" ||
         sample_name == f.name + "_count";
}

void read_comment(std::string_view line, std::vector<family_text>& out,
                  std::set<std::string>& seen) {
  const bool help = line.starts_with("# HELP ");
  ASSERT_TRUE(help || line.starts_with("# TYPE ")) << line;
  const std::string_view rest = line.substr(7);
  const std::size_t sp = rest.find(' ');
  ASSERT_NE(sp, std::string_view::npos) << line;
  const std::string name(rest.substr(0, sp));
  ASSERT_TRUE(valid_metric_name(name)) << line;
  if (help) {
    ASSERT_TRUE(seen.insert(name).second) << "family repeated: " << name;
    out.push_back({name, unescape_help(rest.substr(sp + 1)), "", {}});
    return;
  }
  ASSERT_FALSE(out.empty()) << "TYPE before HELP";
  ASSERT_EQ(out.back().name, name) << "TYPE of another family";
  ASSERT_TRUE(out.back().type.empty()) << "TYPE twice for " << name;
  ASSERT_TRUE(out.back().samples.empty()) << "TYPE after samples for " << name;
  const std::string type(rest.substr(sp + 1));
  ASSERT_TRUE(type == "counter" || type == "gauge" || type == "histogram") << line;
  out.back().type = type;
}

// Every line must be valid; samples must follow the HELP and TYPE of their own family.
std::vector<family_text> parse_exposition(const std::string& text) {
  std::vector<family_text> out;
  std::set<std::string> seen;
  EXPECT_TRUE(text.empty() || text.back() == '\n');
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("#")) {
      read_comment(line, out, seen);
      continue;
    }
    sample s = read_sample(line);
    EXPECT_FALSE(out.empty()) << "sample before any TYPE: " << line;
    if (out.empty()) continue;
    EXPECT_TRUE(belongs_to(out.back(), s.name)) << line << " not in " << out.back().name;
    out.back().samples.push_back(std::move(s));
  }
  return out;
}

const family_text* find_family(const std::vector<family_text>& families, std::string_view name) {
  for (const auto& f : families) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// Buckets are cumulative, end at le="+Inf", and that bucket equals _count; per label set.
void check_histogram(const family_text& f) {
  std::map<std::map<std::string, std::string>, std::vector<const sample*>> series;
  std::map<std::map<std::string, std::string>, std::string> counts;
  for (const auto& s : f.samples) {
    auto labels = s.labels;
    if (s.name == f.name + "_bucket") {
      labels.erase("le");
      series[labels].push_back(&s);
    } else if (s.name == f.name + "_count") {
      counts[labels] = s.value;
    }
  }
  ASSERT_FALSE(series.empty());
  for (const auto& [labels, buckets] : series) {
    double prev_le = -HUGE_VAL, prev_count = 0;
    for (const sample* b : buckets) {
      const double le = b->labels.at("le") == "+Inf" ? HUGE_VAL : std::stod(b->labels.at("le"));
      EXPECT_GT(le, prev_le) << f.name;
      EXPECT_GE(std::stod(b->value), prev_count) << f.name << " not cumulative";
      prev_le = le;
      prev_count = std::stod(b->value);
    }
    EXPECT_EQ(buckets.back()->labels.at("le"), "+Inf");
    ASSERT_TRUE(counts.contains(labels)) << f.name << " has no _count";
    EXPECT_EQ(buckets.back()->value, counts[labels]) << f.name << " +Inf != _count";
  }
}

// Runs fn(i) on n threads, thread i on shard i, and joins them.
template <class Fn>
void on_threads(unsigned n, Fn fn) {
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < n; ++i) {
    threads.emplace_back([i, &fn] {
      set_thread_shard(i);
      fn(i);
    });
  }
  for (auto& t : threads)
    t.join();
}

// ---- sharded metrics ------------------------------------------------------------------------

TEST(MetricsShard, DefaultsToZeroAndWrapsModulo) {
  std::thread([] {
    EXPECT_EQ(thread_shard(), 0u);
    set_thread_shard(max_shards + 3);
    EXPECT_EQ(thread_shard(), 3u);
  }).join();
}

TEST(MetricsShard, SlotsSitOnTheirOwnCacheLines) {
  static_assert(alignof(padded_atomic<std::uint64_t>) == cache_line_size);
  static_assert(sizeof(padded_atomic<std::uint64_t>) == cache_line_size);
  static_assert(sizeof(counter) == max_shards * cache_line_size);
}

TEST(MetricsCounter, IncrementsFromManyShardsSum) {
  counter c;
  constexpr unsigned threads = 8;
  constexpr std::uint64_t per_thread = 100000;
  on_threads(threads, [&](unsigned) {
    for (std::uint64_t i = 0; i < per_thread; ++i)
      c.inc();
  });
  EXPECT_EQ(c.value(), threads * per_thread);
}

TEST(MetricsCounter, ThreadsSharingAShardStillSum) {
  counter c;
  on_threads(6, [&](unsigned i) {
    set_thread_shard(i % 2 + 64);  // 3 threads each on shards 0 and 1
    for (int k = 0; k < 50000; ++k)
      c.inc(2);
  });
  c.inc(5);  // this thread: shard 0
  EXPECT_EQ(c.value(), 6u * 50000u * 2u + 5u);
}

TEST(MetricsGauge, AddOnOneShardSubOnAnother) {
  gauge g;
  on_threads(4, [&](unsigned i) {
    for (int k = 0; k < 10000; ++k) {
      if (i % 2 == 0) {
        g.add(3);
      } else {
        g.sub();
      }
    }
  });
  EXPECT_EQ(g.value(), 2 * 10000 * 3 - 2 * 10000);
}

TEST(MetricsGauge, SetForSingleWriter) {
  gauge g;
  g.set(1);
  EXPECT_EQ(g.value(), 1);
  g.set(0);
  EXPECT_EQ(g.value(), 0);
  g.set(-7);
  EXPECT_EQ(g.value(), -7);
}

TEST(MetricsHistogram, ValueOnABoundGoesInThatBucket) {
  histogram h({1, 2, 5});
  for (double v : {0.5, 1.0, 1.5, 2.0, 5.0, 6.0, -3.0})
    h.observe(v);
  h.observe(std::nan(""));  // ignored
  const auto s = h.snapshot();
  EXPECT_EQ(s.cumulative, (std::vector<std::uint64_t>{3, 5, 6, 7}));
  EXPECT_EQ(s.count, 7u);
  EXPECT_DOUBLE_EQ(s.sum, 0.5 + 1 + 1.5 + 2 + 5 + 6 - 3);
}

TEST(MetricsHistogram, RejectsBadBounds) {
  EXPECT_THROW(histogram({}), std::invalid_argument);
  EXPECT_THROW(histogram({1, 1}), std::invalid_argument);
  EXPECT_THROW(histogram({2, 1}), std::invalid_argument);
  EXPECT_THROW(histogram({1, HUGE_VAL}), std::invalid_argument);
  EXPECT_THROW(histogram({std::nan("")}), std::invalid_argument);
}

TEST(MetricsHistogram, ObservationsFromManyShardsSum) {
  histogram h(latency_buckets_seconds());
  on_threads(8, [&](unsigned i) {
    for (int k = 0; k < 20000; ++k)
      h.observe(i < 4 ? 0.0005 : 20.0);
  });
  const auto s = h.snapshot();
  EXPECT_EQ(s.count, 160000u);
  EXPECT_EQ(s.cumulative[2], 80000u);                        // le=0.0005
  EXPECT_EQ(s.cumulative[s.cumulative.size() - 2], 80000u);  // le=10
  EXPECT_NEAR(s.sum, 80000 * 0.0005 + 80000 * 20.0, 1e-6);
}

// ---- registry and text format ---------------------------------------------------------------

TEST(MetricsRegistry, RejectsBadNamesAndDuplicates) {
  registry r;
  EXPECT_THROW(r.add_counter("", "h"), std::invalid_argument);
  EXPECT_THROW(r.add_counter("9lives", "h"), std::invalid_argument);
  EXPECT_THROW(r.add_counter("a-b", "h"), std::invalid_argument);
  EXPECT_THROW(r.add_counter("ok_total", "h", {{"__x", "v"}}), std::invalid_argument);
  EXPECT_THROW(r.add_counter("ok_total", "h", {{"a b", "v"}}), std::invalid_argument);
  EXPECT_THROW(r.add_histogram("lat", "h", {1}, {{"le", "v"}}), std::invalid_argument);
  r.add_counter("x_total", "h", {{"k", "a"}});
  EXPECT_THROW(r.add_counter("x_total", "h", {{"k", "a"}}), std::invalid_argument);
  EXPECT_THROW(r.add_counter("x_total", "h", {{"other", "b"}}), std::invalid_argument);
  EXPECT_THROW(r.add_gauge("x_total", "h", {{"k", "b"}}), std::invalid_argument);
  r.add_histogram("lat", "h", {1, 2}, {{"k", "a"}});
  EXPECT_THROW(r.add_histogram("lat", "h", {1, 3}, {{"k", "b"}}), std::invalid_argument);
}

TEST(MetricsRegistry, ReferencesStayValidAsFamiliesGrow) {
  registry r;
  counter& first = r.add_counter("first_total", "h");
  for (int i = 0; i < 100; ++i)
    r.add_gauge("g" + std::to_string(i), "h");
  first.inc(7);
  EXPECT_NE(r.render().find("\nfirst_total 7\n"), std::string::npos);
}

TEST(MetricsRender, EmptyRegistryRendersNothing) {
  EXPECT_EQ(registry().render(), "");
}

TEST(MetricsRender, CounterAndGaugeLines) {
  registry r;
  r.add_counter("requests_total", "Requests.", {{"code", "200"}}).inc(3);
  r.add_counter("requests_total", "Requests.", {{"code", "404"}});
  r.add_gauge("temperature", "Now.").set(-4);
  EXPECT_EQ(r.render(),
            "# HELP requests_total Requests.\n"
            "# TYPE requests_total counter\n"
            "requests_total{code=\"200\"} 3\n"
            "requests_total{code=\"404\"} 0\n"
            "# HELP temperature Now.\n"
            "# TYPE temperature gauge\n"
            "temperature -4\n");
}

TEST(MetricsRender, EscapesLabelValuesAndHelp) {
  registry r;
  r.add_counter("odd_total", "back\\slash and\nnewline \"kept\"",
                {{"path", "C:\\dir\n\"x\""}, {"b", ""}});
  const std::string text = r.render();
  EXPECT_NE(text.find("# HELP odd_total back\\\\slash and\\nnewline \"kept\"\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("odd_total{path=\"C:\\\\dir\\n\\\"x\\\"\",b=\"\"} 0\n"), std::string::npos)
      << text;
  const auto families = parse_exposition(text);
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].help, "back\\slash and\nnewline \"kept\"");
  EXPECT_EQ(families[0].samples.at(0).labels.at("path"), "C:\\dir\n\"x\"");
}

TEST(MetricsRender, HistogramBucketsAreCumulative) {
  registry r;
  histogram& a = r.add_histogram("lat_seconds", "Latency.", {0.001, 0.01, 0.1}, {{"t", "a"}});
  histogram& b = r.add_histogram("lat_seconds", "Latency.", {0.001, 0.01, 0.1}, {{"t", "b"}});
  for (double v : {0.0005, 0.005, 0.005, 0.05, 3.0})
    a.observe(v);
  b.observe(0.1);
  const std::string text = r.render();
  EXPECT_NE(text.find("lat_seconds_bucket{t=\"a\",le=\"0.001\"} 1\n"
                      "lat_seconds_bucket{t=\"a\",le=\"0.01\"} 3\n"
                      "lat_seconds_bucket{t=\"a\",le=\"0.1\"} 4\n"
                      "lat_seconds_bucket{t=\"a\",le=\"+Inf\"} 5\n"
                      "lat_seconds_sum{t=\"a\"} 3.0605\n"
                      "lat_seconds_count{t=\"a\"} 5\n"),
            std::string::npos)
      << text;
  const auto families = parse_exposition(text);
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].type, "histogram");
  check_histogram(families[0]);
}

TEST(MetricsRender, UnlabelledHistogramHasOnlyLe) {
  registry r;
  r.add_histogram("h", "x", {1}).observe(0.5);
  EXPECT_EQ(r.render(),
            "# HELP h x\n# TYPE h histogram\n"
            "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 0.5\nh_count 1\n");
}

TEST(MetricsRender, ScrapingWhileUpdatingStaysValid) {
  registry r;
  counter& c = r.add_counter("c_total", "c");
  histogram& h = r.add_histogram("h_seconds", "h", latency_buckets_seconds());
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    set_thread_shard(5);
    for (double v = 0; !stop.load(); v += 0.001) {
      c.inc();
      h.observe(std::fmod(v, 12.0));
    }
  });
  for (int i = 0; i < 200; ++i) {
    const auto families = parse_exposition(r.render());
    ASSERT_EQ(families.size(), 2u);
    check_histogram(families[1]);
  }
  stop = true;
  writer.join();
}

// ---- server_metrics -------------------------------------------------------------------------

TEST(MetricsServer, RendersEveryFamilyAsValidExposition) {
  server_metrics m;
  m.connections[transport::ws].add(2);
  m.connections[transport::sse].add();
  m.connections_accepted[transport::longpoll].inc();
  m.rejected[reject_reason::bad_channel].inc(4);
  m.messages_published[publish_kind::ephemeral].inc();
  m.publish_to_deliver_seconds.observe(0.002);
  m.ws_frames_in.inc();
  m.broker_up.set(1);

  const auto families = parse_exposition(m.render());
  for (const char* name :
       {"triplex_connections", "triplex_connections_accepted_total", "triplex_subscriptions",
        "triplex_messages_published_total", "triplex_deliveries_total", "triplex_bytes_out_total",
        "triplex_ephemeral_dropped_total", "triplex_slow_consumer_closes_total",
        "triplex_rejected_total", "triplex_publish_to_deliver_seconds", "triplex_history_messages",
        "triplex_channels", "triplex_ws_pings_sent_total", "triplex_ws_ping_timeouts_total",
        "triplex_broker_up"}) {
    const family_text* f = find_family(families, name);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_FALSE(f->help.empty()) << name;
    if (f->type == "counter") {
      EXPECT_TRUE(f->name.ends_with("_total")) << name;
    }
  }
  const family_text& conns = *find_family(families, "triplex_connections");
  ASSERT_EQ(conns.samples.size(), 4u);
  EXPECT_EQ(conns.samples[0].labels.at("transport"), "ws");
  EXPECT_EQ(conns.samples[0].value, "2");
  EXPECT_EQ(conns.samples[1].value, "1");
  const family_text& rejected = *find_family(families, "triplex_rejected_total");
  EXPECT_EQ(rejected.samples.size(), label_traits<reject_reason>::values.size());
  EXPECT_EQ(rejected.samples[0].labels.at("reason"), "bad_channel");
  EXPECT_EQ(rejected.samples[0].value, "4");
  check_histogram(*find_family(families, "triplex_publish_to_deliver_seconds"));
  EXPECT_EQ(find_family(families, "triplex_broker_up")->samples.at(0).value, "1");
}

TEST(MetricsServer, LabelNamesFollowEnums) {
  EXPECT_EQ(to_string(transport::longpoll), "longpoll");
  EXPECT_EQ(to_string(reject_reason::rate_limited), "rate_limited");
  EXPECT_EQ(to_string(reject_reason::header_timeout), "header_timeout");
  EXPECT_EQ(to_string(publish_kind::durable), "durable");
}

TEST(MetricsServer, ExtraMetricsCanBeRegistered) {
  server_metrics m;
  m.registry().add_counter("triplex_extra_total", "Added later.").inc();
  EXPECT_NE(m.render().find("\ntriplex_extra_total 1\n"), std::string::npos);
}

}  // namespace
}  // namespace triplex::metrics
