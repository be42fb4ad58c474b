// Static files served by GET (the demo, or an app's own pages): the whole `static_dir` is read
// into memory at start-up, so serving never touches the disk and no request path can reach a
// file outside it. Immutable after load(); shared read-only by every worker.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace triplex::api {

class static_site {
 public:
  struct file {
    std::string content_type;
    std::string body;
  };

  // Reads every regular file under `dir` (at most `max_bytes` in all). Throws
  // std::runtime_error naming the problem (start-up only).
  static std::shared_ptr<const static_site> load(const std::string& dir,
                                                 std::size_t max_bytes = 64 << 20);

  // The file for a request path ("/" and directories map to index.html); null if none.
  const file* find(std::string_view path) const;

 private:
  std::map<std::string, file, std::less<>> files_;  // "/index.html" -> file
};

}  // namespace triplex::api
