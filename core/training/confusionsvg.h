#pragma once

#include <QString>

#include <cstdint>
#include <string>
#include <vector>

namespace millrace::training {

/// The confusion matrix as an SVG image (the run's confusion_matrix.svg artifact): one cell
/// per true (row) and predicted (column) class, shaded by its share of the row, with counts
/// and class names. SVG needs no GUI module, so headless training writes it too.
QString confusionMatrixSvg(const std::vector<std::vector<std::int64_t>> &confusion,
                           const std::vector<std::string> &classNames);

} // namespace millrace::training
