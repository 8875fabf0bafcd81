#include "ui/panels/registry/versiondelegate.h"

#include "ui/panels/registry/chips.h"
#include "ui/panels/registry/versiontablemodel.h"

#include <QApplication>
#include <QPainter>

namespace millrace::ui {

namespace {

constexpr int kCellPadding = 6;
constexpr int kDot = 8;

// The accent of alias chips: the palette's link colour, which both light and dark palettes
// keep readable.
QColor aliasColour(const QPalette &palette)
{
    return palette.color(QPalette::Link);
}

QString aliasLabel(const QString &alias)
{
    return QStringLiteral("@") + alias;
}

// The cell's background and focus, without its text.
void paintBackground(QPainter *painter, const QStyleOptionViewItem &option)
{
    QStyleOptionViewItem background = option;
    background.text.clear();
    background.icon = QIcon();
    const QStyle *style = option.widget ? option.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, option.widget);
}

} // namespace

void VersionDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                            const QModelIndex &index) const
{
    const int column = index.column();
    if (column != VersionTableModel::StageColumn && column != VersionTableModel::AliasesColumn
        && column != VersionTableModel::StatusColumn
        && column != VersionTableModel::SourceRunColumn) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    paintBackground(painter, opt);
    const QRect cell = opt.rect.adjusted(kCellPadding, 0, -kCellPadding, 0);
    const bool selected = opt.state & QStyle::State_Selected;
    const QPalette &palette = opt.palette;

    painter->save();
    switch (column) {
    case VersionTableModel::StageColumn: {
        const auto stage = registry::Stage(index.data(VersionTableModel::StageRole).toInt());
        paintChip(painter, cell, cell.left(), VersionTableModel::stageText(stage),
                  stageColour(stage), ChipStyle::Solid, palette);
        break;
    }
    case VersionTableModel::AliasesColumn: {
        int x = cell.left();
        for (const QString &alias : index.data(VersionTableModel::AliasesRole).toStringList())
            x = paintChip(painter, cell, x, aliasLabel(alias), aliasColour(palette),
                          ChipStyle::Outline, palette);
        break;
    }
    case VersionTableModel::StatusColumn: {
        const auto status =
            registry::VersionStatus(index.data(VersionTableModel::StatusRole).toInt());
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setPen(Qt::NoPen);
        painter->setBrush(VersionTableModel::statusColour(status));
        painter->drawEllipse(QRectF(cell.left(), cell.center().y() - kDot / 2.0 + 0.5, kDot, kDot));
        painter->setPen(palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
        const QRect text = cell.adjusted(kDot + 6, 0, 0, 0);
        painter->drawText(text, Qt::AlignLeft | Qt::AlignVCenter,
                          opt.fontMetrics.elidedText(opt.text, Qt::ElideRight, text.width()));
        break;
    }
    case VersionTableModel::SourceRunColumn: {
        QFont font = opt.font;
        const bool link = index.data(VersionTableModel::LinkRole).toBool();
        font.setUnderline(link);
        painter->setFont(font);
        QColor colour = palette.color(QPalette::PlaceholderText);
        if (selected)
            colour = palette.color(QPalette::HighlightedText);
        else if (link)
            colour = palette.color(QPalette::Link);
        painter->setPen(colour);
        painter->drawText(cell, Qt::AlignLeft | Qt::AlignVCenter,
                          QFontMetrics(font).elidedText(opt.text, Qt::ElideRight, cell.width()));
        break;
    }
    default:
        break;
    }
    painter->restore();
}

QSize VersionDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    const QFontMetrics metrics = option.fontMetrics;
    size.setHeight(qMax(size.height(), chipHeight(metrics) + 6));
    switch (index.column()) {
    case VersionTableModel::StageColumn: {
        const auto stage = registry::Stage(index.data(VersionTableModel::StageRole).toInt());
        size.setWidth(chipWidth(metrics, VersionTableModel::stageText(stage)) + 2 * kCellPadding);
        break;
    }
    case VersionTableModel::AliasesColumn: {
        int width = 2 * kCellPadding;
        for (const QString &alias : index.data(VersionTableModel::AliasesRole).toStringList())
            width += chipWidth(metrics, aliasLabel(alias)) + 4;
        size.setWidth(width);
        break;
    }
    case VersionTableModel::StatusColumn:
        size.setWidth(size.width() + kDot + 6 + 2 * kCellPadding);
        break;
    case VersionTableModel::SourceRunColumn:
        size.setWidth(size.width() + 2 * kCellPadding);
        break;
    default:
        break;
    }
    return size;
}

} // namespace millrace::ui
