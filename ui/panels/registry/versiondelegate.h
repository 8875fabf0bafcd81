#pragma once

#include <QStyledItemDelegate>

namespace millrace::ui {

/// Paints the cells of the version table that are more than text: the stage as a coloured
/// chip, the aliases as outlined chips, the status with a coloured dot, and the source run as
/// a link. Other cells are drawn as usual.
class VersionDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace millrace::ui
