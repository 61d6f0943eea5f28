#pragma once
// Where an S3 request's credentials and region come from: the standard AWS environment
// variables and shared credentials file, as the AWS CLI and boto3 read them. Never the YAML: a
// config file is committed, a secret must not be.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ikgen/expected.hpp"

namespace ikgen {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token; // "" unless temporary credentials (sent as x-amz-security-token)
  // Where they came from, for messages: "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY" or
  // "profile \"default\" of /root/.aws/credentials".
  std::string source;
};

// Reads an environment variable; nullopt when unset. Tests pass their own.
using EnvironmentLookup = std::function<std::optional<std::string>(const char* name)>;

// The process's environment (std::getenv); an empty value counts as unset.
[[nodiscard]] std::optional<std::string> process_environment(const char* name);

// The credentials, in the AWS CLI's order: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+
// AWS_SESSION_TOKEN) from the environment, else the profile AWS_PROFILE (default "default") of
// AWS_SHARED_CREDENTIALS_FILE (default $HOME/.aws/credentials). Fails with one line saying
// where it looked and what to set.
[[nodiscard]] Expected<AwsCredentials> load_aws_credentials(const EnvironmentLookup& env = process_environment);

// The keys of `profile` in the text of a shared credentials file (INI: "[name]" sections,
// "key = value" lines, '#' and ';' comments). `file` names the file in messages. Fails when
// the profile or one of its two keys is missing.
[[nodiscard]] Expected<AwsCredentials> parse_aws_credentials_file(std::string_view text, const std::string& profile,
                                                                  const std::string& file);

// The region: `configured` (storage.s3.region) when not empty, else AWS_REGION, else
// AWS_DEFAULT_REGION, else "us-east-1".
[[nodiscard]] std::string resolve_aws_region(const std::string& configured,
                                             const EnvironmentLookup& env = process_environment);

} // namespace ikgen
