#pragma once

#include <QStyledItemDelegate>

namespace millrace::ui {

/// Paints a HistoryModel row as a step of a timeline: the time on the left, a dot in the
/// event's colour on a line running through all rows, then the title with who did it, the
/// reason and the evaluation numbers below it.
class HistoryDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace millrace::ui
