#pragma once

#include <QStyledItemDelegate>

namespace millrace::ui {

/// Paints a row of the model list as a card: the name in bold, a chip for the newest version
/// in each stage (those that fit), and the description in a muted line below.
class ModelDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace millrace::ui
