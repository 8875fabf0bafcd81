#pragma once

#include <QColor>
#include <QPalette>

QT_BEGIN_NAMESPACE
class QChart;
QT_END_NAMESPACE

namespace millrace::ui {

/// Makes a chart follow the application palette (light or dark): background, axis labels,
/// grid lines and legend text, with slim margins and no animations, which only delay data.
void applyChartStyle(QChart *chart, const QPalette &palette);

/// The colour of the `index`-th compared run: a palette of distinct hues that read on light and
/// dark backgrounds (Tableau 10), then darker and lighter turns of it.
QColor compareRunColour(int index);

} // namespace millrace::ui
