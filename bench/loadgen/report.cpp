// Output of a run: see report.hpp.
#include "report.hpp"

#include <cstdio>
#include <string>

namespace loadgen {

namespace {

double per_s(double n, double s) {
  return s > 0 ? n / s : 0;
}
double us(std::uint64_t ns) {
  return static_cast<double>(ns) / 1e3;
}
double ms(std::uint64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

struct derived {
  double server_cpu_s = -1, server_ns_per_delivery = -1, server_ns_per_publish = -1;
  double rss_per_conn_bytes = -1;
  double self_ns_per_delivery = -1, self_util = 0;
  long long lost = 0, extra = 0;
  std::string warning;
};

derived derive(const run_result& r) {
  derived d;
  const options& o = *r.opt;
  bool cpu_ok = r.server_start.ok && r.server_end.ok;
  if (cpu_ok) d.server_cpu_s = r.server_end.cpu_seconds - r.server_start.cpu_seconds;
  if (cpu_ok && r.deliveries)
    d.server_ns_per_delivery = d.server_cpu_s * 1e9 / static_cast<double>(r.deliveries);
  if (cpu_ok && r.pub_ok)
    d.server_ns_per_publish = d.server_cpu_s * 1e9 / static_cast<double>(r.pub_ok);
  if (r.server_before.ok && r.server_connected.ok && r.subs_ready)
    d.rss_per_conn_bytes = static_cast<double>(r.server_connected.rss_kb - r.server_before.rss_kb) *
                           1024.0 / r.subs_ready;
  if (r.deliveries) d.self_ns_per_delivery = r.self_cpu_s * 1e9 / static_cast<double>(r.deliveries);
  d.self_util = r.window_s > 0 ? r.self_cpu_s / (r.window_s * o.threads) : 0;
  if (r.expected >= r.deliveries) {
    d.lost = static_cast<long long>(r.expected - r.deliveries);
  } else {
    d.extra = static_cast<long long>(r.deliveries - r.expected);
  }
  if (r.publishing && d.self_util > 0.9)
    d.warning = "LOADGEN SATURATED: the load generator used " +
                std::to_string(static_cast<int>(d.self_util * 100)) +
                "% of its threads; server numbers are a lower bound";
  else if (r.publishing && d.self_util > 0.5 && d.server_ns_per_delivery > 0 &&
           d.self_ns_per_delivery > d.server_ns_per_delivery)
    d.warning = "LOADGEN COSTLIER PER MESSAGE THAN THE SERVER: it may be the bottleneck";
  return d;
}

void print_human(const run_result& r, const derived& d) {
  const options& o = *r.opt;
  std::printf("[%s] %s subs=%u/%d (failed %u) channels=%s", o.label.c_str(), transport_name(o.kind),
              r.subs_ready, o.subs, r.subs_failed, o.channel_each ? "each" : "one");
  std::printf(" connect p50/p99/max %.1f/%.1f/%.1f ms (all in %.2f s)", ms(r.connect.quantile(0.5)),
              ms(r.connect.quantile(0.99)), ms(r.connect.max()), r.connect_wall_s);
  if (r.publishing) {
    std::printf(" | %.0f deliveries/s (%llu in %.2f s), publishes %.0f/s ok=%llu err=%llu",
                per_s(static_cast<double>(r.deliveries), r.window_s),
                static_cast<unsigned long long>(r.deliveries), r.window_s,
                per_s(static_cast<double>(r.pub_ok), r.window_s),
                static_cast<unsigned long long>(r.pub_ok),
                static_cast<unsigned long long>(r.pub_errors));
    std::printf(
        " | latency us p50=%.0f p99=%.0f p999=%.0f max=%.0f | lost=%lld dup=%llu"
        " disconnects=%llu",
        us(r.latency.quantile(0.5)), us(r.latency.quantile(0.99)), us(r.latency.quantile(0.999)),
        us(r.latency.max()), d.lost, static_cast<unsigned long long>(r.duplicates),
        static_cast<unsigned long long>(r.disconnects));
    std::printf(
        " | server cpu %.2f s (%.0f ns/delivery) | loadgen cpu %.2f s (%.0f ns/delivery, %.0f%%)",
        d.server_cpu_s, d.server_ns_per_delivery, r.self_cpu_s, d.self_ns_per_delivery,
        d.self_util * 100);
  }
  std::printf(" | server rss %.1f -> %.1f MB (%.0f B/conn)", r.server_before.rss_kb / 1024.0,
              r.server_connected.rss_kb / 1024.0, d.rss_per_conn_bytes);
  if (!d.warning.empty()) std::printf(" | %s", d.warning.c_str());
  std::printf("\n");
}

void print_json(const run_result& r, const derived& d) {
  const options& o = *r.opt;
  const char* mode = !r.publishing ? "idle" : o.closed > 0 ? "closed" : "rate";
  std::printf(
      "{\"label\":\"%s\",\"transport\":\"%s\",\"mode\":\"%s\",\"subs\":%d,\"subs_ready\":%u,"
      "\"subs_failed\":%u,\"channels\":\"%s\",\"rate\":%g,\"closed\":%d,\"window\":%d,"
      "\"threads\":%d,\"connect_wall_s\":%.3f,\"connect_ms_p50\":%.3f,\"connect_ms_p99\":%.3f,"
      "\"connect_ms_max\":%.3f,",
      o.label.c_str(), transport_name(o.kind), mode, o.subs, r.subs_ready, r.subs_failed,
      o.channel_each ? "each" : "one", o.rate, o.closed, o.window, o.threads, r.connect_wall_s,
      ms(r.connect.quantile(0.5)), ms(r.connect.quantile(0.99)), ms(r.connect.max()));
  std::printf(
      "\"window_s\":%.3f,\"publish_s\":%.3f,\"pub_sent\":%llu,\"pub_ok\":%llu,\"pub_errors\":%llu,"
      "\"pub_late\":%llu,\"pub_per_s\":%.1f,\"pub_rtt_us_p50\":%.1f,\"pub_rtt_us_p99\":%.1f,",
      r.window_s, r.publish_s, static_cast<unsigned long long>(r.pub_sent),
      static_cast<unsigned long long>(r.pub_ok), static_cast<unsigned long long>(r.pub_errors),
      static_cast<unsigned long long>(r.pub_late), per_s(static_cast<double>(r.pub_ok), r.window_s),
      us(r.pub_rtt.quantile(0.5)), us(r.pub_rtt.quantile(0.99)));
  std::printf(
      "\"deliveries\":%llu,\"expected\":%llu,\"deliveries_per_s\":%.1f,\"lost\":%lld,"
      "\"unexpected\":%lld,\"duplicates\":%llu,\"disconnects\":%llu,\"pings\":%llu,\"polls\":%llu,"
      "\"bytes_in\":%llu,",
      static_cast<unsigned long long>(r.deliveries), static_cast<unsigned long long>(r.expected),
      per_s(static_cast<double>(r.deliveries), r.window_s), d.lost, d.extra,
      static_cast<unsigned long long>(r.duplicates), static_cast<unsigned long long>(r.disconnects),
      static_cast<unsigned long long>(r.pings), static_cast<unsigned long long>(r.polls),
      static_cast<unsigned long long>(r.bytes_in));
  std::printf("\"lat_us_p50\":%.1f,\"lat_us_p99\":%.1f,\"lat_us_p999\":%.1f,\"lat_us_max\":%.1f,",
              us(r.latency.quantile(0.5)), us(r.latency.quantile(0.99)),
              us(r.latency.quantile(0.999)), us(r.latency.max()));
  std::printf(
      "\"server_ok\":%s,\"server_cpu_s\":%.3f,\"server_ns_per_delivery\":%.1f,"
      "\"server_ns_per_publish\":%.1f,\"server_rss_kb_before\":%lld,"
      "\"server_rss_kb_connected\":%lld,\"server_rss_kb_end\":%lld,\"rss_per_conn_bytes\":%.1f,",
      r.server_end.ok || r.server_connected.ok ? "true" : "false", d.server_cpu_s,
      d.server_ns_per_delivery, d.server_ns_per_publish, r.server_before.rss_kb,
      r.server_connected.rss_kb, r.server_end.rss_kb, d.rss_per_conn_bytes);
  std::printf(
      "\"loadgen_cpu_s\":%.3f,\"loadgen_ns_per_delivery\":%.1f,\"loadgen_util\":%.3f,"
      "\"loadgen_cheaper_per_delivery\":%s,\"warning\":\"%s\"}\n",
      r.self_cpu_s, d.self_ns_per_delivery, d.self_util,
      d.server_ns_per_delivery <= 0 || d.self_ns_per_delivery < 0 ? "null"
      : d.self_ns_per_delivery < d.server_ns_per_delivery         ? "true"
                                                                  : "false",
      d.warning.c_str());
}

}  // namespace

void print_report(const run_result& r) {
  derived d = derive(r);
  print_human(r, d);
  print_json(r, d);
  std::fflush(stdout);
}

}  // namespace loadgen
