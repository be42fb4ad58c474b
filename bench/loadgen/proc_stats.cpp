// Process sampling: see proc_stats.hpp.
#include "proc_stats.hpp"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace loadgen {

namespace {

// Reads a small /proc file whole; empty on failure.
std::string read_small_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return {};
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
    out.append(buf, n);
  std::fclose(f);
  return out;
}

// utime + stime (fields 14 and 15 of /proc/<pid>/stat), in seconds; negative on failure.
double cpu_of(int pid) {
  std::string stat = read_small_file("/proc/" + std::to_string(pid) + "/stat");
  std::size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return -1;
  const char* p = stat.c_str() + paren + 2;  // field 3 (state)
  long long utime = 0, stime = 0;
  for (int field = 3; field <= 15 && *p; ++field) {
    if (field == 14) utime = std::atoll(p);
    if (field == 15) stime = std::atoll(p);
    p = std::strchr(p, ' ');
    if (!p) break;
    ++p;
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long long rss_of(int pid) {
  std::string status = read_small_file("/proc/" + std::to_string(pid) + "/status");
  std::size_t at = status.find("VmRSS:");
  if (at == std::string::npos) return -1;
  return std::atoll(status.c_str() + at + 6);
}

}  // namespace

proc_sample sample_processes(const std::vector<int>& pids) {
  proc_sample s;
  s.ok = !pids.empty();
  for (int pid : pids) {
    double cpu = cpu_of(pid);
    long long rss = rss_of(pid);
    if (cpu < 0 || rss < 0) {
      s.ok = false;
      continue;
    }
    s.cpu_seconds += cpu;
    s.rss_kb += rss;
  }
  return s;
}

double self_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace loadgen
