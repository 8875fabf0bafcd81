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

/// An axis range widened to round numbers (1, 2 or 5 times a power of ten per tick), and the
/// tick count that puts a tick on each: what QValueAxis::applyNiceNumbers() gives, worked out
/// before the axis is touched. Setting a chart's axis redraws every series on it, so a chart of
/// hundreds of lines sets each axis once, and not at all when the range stays the same.
struct NiceRange
{
    double min = 0;
    double max = 0;
    int ticks = 0;
};
NiceRange niceRange(double min, double max, int ticks = 5);

} // namespace millrace::ui
