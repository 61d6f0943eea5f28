// The one place that chooses the storage behind a project's storage.root.

#include "ikgen/error.hpp"
#include "ikgen/s3_storage.hpp"
#include "ikgen/spec.hpp"
#include "ikgen/storage.hpp"

namespace ikgen {

std::unique_ptr<Storage> open_storage(const Project& project) {
  if (project.s3) {
    try {
      return open_s3_storage(*project.s3, project.cache_dir);
    } catch (const Error& error) {
      // "s3://bucket/prefix: reason" -> "s3://bucket/prefix (storage.root in FILE): reason".
      const std::string message = error.what();
      std::string root = "s3://" + project.s3->bucket + "/" + project.s3->prefix;
      if (root.back() == '/') root.pop_back();
      const std::string where = root + " (storage.root in " + project.config_file.string() + ")";
      if (message.rfind(root + ": ", 0) != 0) throw Error(where + ": " + message, error.code());
      throw Error(where + message.substr(root.size()), error.code());
    }
  }
  std::error_code error;
  if (!std::filesystem::is_directory(project.storage_root, error)) {
    throw Error("storage.root " + project.storage_root.string() + " (from " + project.config_file.string() +
                    ") is not a directory; create it or fix storage.root",
                ExitCode::environment_error);
  }
  return std::make_unique<LocalStorage>(project.storage_root);
}

} // namespace ikgen
