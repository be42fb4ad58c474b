// Static files: see static_site.hpp.
#include "api/static_site.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace triplex::api {

namespace fs = std::filesystem;

namespace {

std::string content_type_of(const fs::path& p) {
  static const std::map<std::string, std::string, std::less<>> types = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".d.ts", "text/plain; charset=utf-8"},
  };
  auto it = types.find(p.extension().string());
  return it == types.end() ? "application/octet-stream" : it->second;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  if (!in) throw std::runtime_error("static_dir: cannot read " + p.string());
  return s.str();
}

}  // namespace

std::shared_ptr<const static_site> static_site::load(const std::string& dir,
                                                     std::size_t max_bytes) {
  auto site = std::make_shared<static_site>();
  std::size_t total = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::string rel = "/" + fs::relative(entry.path(), dir).generic_string();
    file f{content_type_of(entry.path()), read_all(entry.path())};
    total += f.body.size();
    if (total > max_bytes)
      throw std::runtime_error("static_dir: more than " + std::to_string(max_bytes) + " bytes");
    site->files_.emplace(std::move(rel), std::move(f));
  }
  return site;
}

const static_site::file* static_site::find(std::string_view path) const {
  std::string key(path);
  if (key.empty() || key.back() == '/') key += "index.html";
  auto it = files_.find(key);
  if (it == files_.end()) it = files_.find(key + "/index.html");
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace triplex::api
