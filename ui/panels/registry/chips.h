#pragma once

#include "core/registry/registrytypes.h"

#include <QColor>
#include <QRect>
#include <QString>

QT_BEGIN_NAMESPACE
class QFontMetrics;
class QPainter;
class QPalette;
QT_END_NAMESPACE

namespace millrace::ui {

/// The colour of a stage wherever the registry shows one: None grey, Staging amber, Production
/// green, Archived a muted grey-blue. The same hues read on light and dark palettes.
QColor stageColour(registry::Stage stage);

/// How a chip is drawn: filled with a tint of its colour and lettered in a deep shade of it
/// (solid), or outlined in the colour on the base (outline, for aliases).
enum class ChipStyle { Solid, Outline };

/// The width of a chip showing `text` in `metrics`' font, padding included.
int chipWidth(const QFontMetrics &metrics, const QString &text);
/// The height of a chip in `metrics`' font.
int chipHeight(const QFontMetrics &metrics);

/// Paints a rounded chip with `text` at `left` within `cell`, centred vertically, in `colour`
/// on `palette`'s base, and returns the x where the next chip may start. The chip is clipped
/// to `cell`.
int paintChip(QPainter *painter, const QRect &cell, int left, const QString &text,
              const QColor &colour, ChipStyle style, const QPalette &palette);

} // namespace millrace::ui
