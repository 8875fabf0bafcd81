#include "ui/panels/registry/modeldelegate.h"

#include "ui/panels/registry/chips.h"
#include "ui/panels/registry/modellistmodel.h"

#include <QApplication>
#include <QPainter>

namespace millrace::ui {

namespace {

constexpr int kMarginX = 8;
constexpr int kMarginY = 6;
constexpr int kLineGap = 3;

QFont boldFont(QFont font)
{
    font.setBold(true);
    return font;
}

QFont smallFont(QFont font)
{
    font.setPointSizeF(font.pointSizeF() * 0.88);
    return font;
}

} // namespace

void ModelDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                          const QModelIndex &index) const
{
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    background.icon = QIcon();
    const QStyle *style = option.widget ? option.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, option.widget);

    const bool selected = option.state & QStyle::State_Selected;
    const QPalette &palette = option.palette;
    const QColor text = palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
    QColor muted = selected ? text : palette.color(QPalette::PlaceholderText);
    const QRect area = option.rect.adjusted(kMarginX, kMarginY, -kMarginX, -kMarginY);

    painter->save();
    const QFont nameFont = boldFont(option.font);
    painter->setFont(nameFont);
    painter->setPen(text);
    const QFontMetrics nameMetrics(nameFont);
    QRect line(area.left(), area.top(), area.width(), nameMetrics.height());
    painter->drawText(line, Qt::AlignLeft | Qt::AlignVCenter,
                      nameMetrics.elidedText(index.data(ModelListModel::NameRole).toString(),
                                             Qt::ElideRight, line.width()));

    const QFont chipFont = smallFont(option.font);
    painter->setFont(chipFont);
    const QFontMetrics chipMetrics(chipFont);
    line = QRect(area.left(), line.bottom() + 1 + kLineGap, area.width(), chipHeight(chipMetrics));
    const auto latest = index.data(ModelListModel::LatestRole).value<QList<StageVersion>>();
    if (latest.isEmpty()) {
        painter->setPen(muted);
        painter->drawText(line, Qt::AlignLeft | Qt::AlignVCenter, tr("No versions yet"));
    }
    int x = line.left();
    for (const StageVersion &entry : latest) {
        const QString label =
            QStringLiteral("%1 v%2").arg(registry::toString(entry.stage)).arg(entry.version);
        // A chip that does not fit whole is left out rather than cut: the tooltip has them all.
        if (x + chipWidth(chipMetrics, label) > line.right() + 1)
            break;
        x = paintChip(painter, line, x, label, stageColour(entry.stage), ChipStyle::Solid, palette);
    }

    const QString description = index.data(ModelListModel::DescriptionRole).toString();
    if (!description.isEmpty()) {
        line = QRect(area.left(), line.bottom() + 1 + kLineGap, area.width(), chipMetrics.height());
        painter->setPen(muted);
        painter->drawText(line, Qt::AlignLeft | Qt::AlignVCenter,
                          chipMetrics.elidedText(description.section(QLatin1Char('\n'), 0, 0),
                                                 Qt::ElideRight, line.width()));
    }
    painter->restore();
}

QSize ModelDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QFontMetrics nameMetrics(boldFont(option.font));
    const QFontMetrics smallMetrics(smallFont(option.font));
    int height = 2 * kMarginY + nameMetrics.height() + kLineGap + chipHeight(smallMetrics);
    if (!index.data(ModelListModel::DescriptionRole).toString().isEmpty())
        height += kLineGap + smallMetrics.height();
    return QSize(nameMetrics.horizontalAdvance(index.data().toString()) + 2 * kMarginX, height);
}

} // namespace millrace::ui
