#pragma once

#include <QStyledItemDelegate>

namespace millrace::ui {

/// Draws the DAG list's last-run state as a chip in the state's colour and the tags as outlined
/// chips; every other cell as usual.
class DagListDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace millrace::ui
