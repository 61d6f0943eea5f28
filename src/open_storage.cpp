// The one place that chooses the storage behind a project's storage.root.

#include "ikgen/error.hpp"
#include "ikgen/spec.hpp"
#include "ikgen/storage.hpp"

namespace ikgen {

std::unique_ptr<Storage> open_storage(const Project& project) {
  if (project.s3) {
    throw Error("storage.root s3://" + project.s3->bucket + "/" + project.s3->prefix + " (from " +
                    project.config_file.string() + "): this build of ikgen has no S3 support yet",
                ExitCode::usage_error);
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
