#include "ui/panels/experiments/compare/chartstyle.h"

#include <cmath>

#include <QAbstractAxis>
#include <QChart>
#include <QLegend>

namespace millrace::ui {

void applyChartStyle(QChart *chart, const QPalette &palette)
{
    const bool dark = palette.color(QPalette::Window).lightness() < 128;
    chart->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setBackgroundRoundness(0);
    chart->setBackgroundBrush(palette.color(QPalette::Base));
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->legend()->setLabelColor(palette.color(QPalette::Text));
    chart->legend()->setMarkerShape(QLegend::MarkerShapeFromSeries);
}

QColor compareRunColour(int index)
{
    static const QRgb tableau[] = {0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f,
                                   0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac};
    constexpr int size = int(std::size(tableau));
    const QColor base = QColor::fromRgb(tableau[index % size]);
    switch ((index / size) % 3) {
    case 1:
        return base.darker(140);
    case 2:
        return base.lighter(130);
    default:
        return base;
    }
}

namespace {

// The round number (1, 2 or 5 times a power of ten) nearest `x`, or the next one up.
double roundNumber(double x, bool up)
{
    const double power = std::pow(10.0, std::floor(std::log10(x)));
    const double fraction = x / power;
    double nice = 10;
    if (up)
        nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
    else
        nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
    return nice * power;
}

} // namespace

NiceRange niceRange(double min, double max, int ticks)
{
    if (!std::isfinite(min) || !std::isfinite(max) || max <= min || ticks < 2)
        return {min, max, ticks};
    const double step = roundNumber(roundNumber(max - min, true) / (ticks - 1), false);
    const double first = std::floor(min / step);
    const double last = std::ceil(max / step);
    return {first * step, last * step, int(last - first) + 1};
}

} // namespace millrace::ui
