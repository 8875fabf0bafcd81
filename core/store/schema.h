#pragma once

#include "core/store/migrator.h"

#include <span>

namespace millrace {

/// Marks a SQLite file as a Millrace database ('MLRC').
inline constexpr int kMillraceApplicationId = 0x4D4C5243;

/// Millrace's schema history, oldest first. Later features append steps; a step, once released,
/// never changes.
std::span<const Migration> millraceMigrations();

} // namespace millrace
