#include "ui/panels/jobs/daglistdelegate.h"

#include "core/scheduler/schedulertypes.h"
#include "ui/panels/jobs/daglistmodel.h"
#include "ui/panels/jobs/statestyle.h"
#include "ui/panels/registry/chips.h"

#include <QApplication>
#include <QPainter>

namespace millrace::ui {

namespace {
constexpr int kChipLeft = 4;
} // namespace

void DagListDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                            const QModelIndex &index) const
{
    const int column = index.column();
    if (column != DagListModel::LastRunColumn && column != DagListModel::TagsColumn) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    // The background (selection, hover) as the style draws it, without the text.
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, widget);

    painter->save();
    painter->setFont(option.font);
    if (column == DagListModel::LastRunColumn) {
        const QVariant state = index.data(DagListModel::LastRunStateRole);
        if (state.isValid()) {
            const auto runState = scheduler::RunState(state.toInt());
            paintChip(painter, option.rect, option.rect.left() + kChipLeft, runStateText(runState),
                      runStateColour(runState), ChipStyle::Solid, option.palette);
        }
    } else {
        int left = option.rect.left() + kChipLeft;
        for (const QString &tag : index.data(DagListModel::TagsRole).toStringList()) {
            if (left >= option.rect.right())
                break;
            left = paintChip(painter, option.rect, left, tag,
                             option.palette.color(QPalette::PlaceholderText), ChipStyle::Outline,
                             option.palette);
        }
    }
    painter->restore();
}

QSize DagListDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    const QFontMetrics metrics(option.font);
    const int column = index.column();
    if (column == DagListModel::LastRunColumn) {
        const QVariant state = index.data(DagListModel::LastRunStateRole);
        const QString text =
            state.isValid() ? runStateText(scheduler::RunState(state.toInt())) : QString();
        size.setWidth(chipWidth(metrics, text) + 2 * kChipLeft);
    } else if (column == DagListModel::TagsColumn) {
        int width = kChipLeft;
        for (const QString &tag : index.data(DagListModel::TagsRole).toStringList())
            width += chipWidth(metrics, tag) + 4;
        size.setWidth(width + kChipLeft);
    }
    size.setHeight(qMax(size.height(), chipHeight(metrics) + 6));
    return size;
}

} // namespace millrace::ui
