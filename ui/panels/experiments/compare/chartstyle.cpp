#include "ui/panels/experiments/compare/chartstyle.h"

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

} // namespace millrace::ui
