#pragma once

#include <QPalette>

namespace millrace::ui {

/// The palette of an error line in a panel: `base` with a red text (lighter on dark themes) and
/// a window faintly tinted with it, for labels that set autoFillBackground.
QPalette errorPalette(const QPalette &base);

} // namespace millrace::ui
