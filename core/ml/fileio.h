#pragma once

#include "core/ml/mlresult.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace millrace::ml {

/// Reads a whole file into memory; errors name the path and the system's reason.
Result<std::vector<std::uint8_t>> readFileBytes(const std::string &path);

/// Replaces `path` with `bytes` so that a crash leaves either the old file or the new one:
/// written to a temporary file beside it, flushed to disk, then renamed over it.
Result<void> writeFileAtomically(const std::string &path, std::span<const std::uint8_t> bytes);

} // namespace millrace::ml
