#include "ui/panels/registry/chips.h"

#include <QFontMetrics>
#include <QPainter>
#include <QPainterPath>
#include <QPalette>

namespace millrace::ui {

namespace {

constexpr int kPaddingX = 7;
constexpr int kPaddingY = 2;
constexpr int kGap = 4;

QColor mixed(const QColor &a, const QColor &b, double share)
{
    return QColor::fromRgbF(float(a.redF() * (1 - share) + b.redF() * share),
                            float(a.greenF() * (1 - share) + b.greenF() * share),
                            float(a.blueF() * (1 - share) + b.blueF() * share));
}

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightness() < 128;
}

} // namespace

QColor stageColour(registry::Stage stage)
{
    switch (stage) {
    case registry::Stage::None:
        return QColor(0x9e, 0x9e, 0x9e);
    case registry::Stage::Staging:
        return QColor(0xf5, 0x9e, 0x0b);
    case registry::Stage::Production:
        return QColor(0x16, 0xa3, 0x4a);
    case registry::Stage::Archived:
        return QColor(0x8a, 0x94, 0xa6);
    }
    return QColor(Qt::gray);
}

int chipWidth(const QFontMetrics &metrics, const QString &text)
{
    return metrics.horizontalAdvance(text) + 2 * kPaddingX;
}

int chipHeight(const QFontMetrics &metrics)
{
    return metrics.height() + 2 * kPaddingY;
}

int paintChip(QPainter *painter, const QRect &cell, int left, const QString &text,
              const QColor &colour, ChipStyle style, const QPalette &palette)
{
    const QFontMetrics metrics = painter->fontMetrics();
    const int height = chipHeight(metrics);
    const QRectF chip(left + 0.5, cell.top() + (cell.height() - height) / 2 + 0.5,
                      chipWidth(metrics, text) - 1, height - 1);
    const QColor base = palette.color(QPalette::Base);
    const bool dark = isDark(palette);

    painter->save();
    painter->setClipRect(cell);
    painter->setRenderHint(QPainter::Antialiasing);
    QPainterPath path;
    path.addRoundedRect(chip, chip.height() / 2, chip.height() / 2);
    QColor textColour;
    if (style == ChipStyle::Solid) {
        painter->fillPath(path, mixed(base, colour, dark ? 0.35 : 0.2));
        painter->setPen(QPen(mixed(base, colour, dark ? 0.75 : 0.55), 1));
        painter->drawPath(path);
        textColour = dark ? mixed(colour, Qt::white, 0.45) : mixed(colour, Qt::black, 0.45);
    } else {
        painter->setPen(QPen(mixed(base, colour, 0.7), 1));
        painter->drawPath(path);
        textColour = dark ? mixed(colour, Qt::white, 0.35) : mixed(colour, Qt::black, 0.25);
    }
    painter->setPen(textColour);
    painter->drawText(chip, Qt::AlignCenter, text);
    painter->restore();
    return int(chip.right()) + 1 + kGap;
}

} // namespace millrace::ui
