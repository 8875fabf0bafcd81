#pragma once

#include <QStyledItemDelegate>

namespace millrace::ui {

/// Paints a MetricSparkline (from RunMetricsModel::SparklineRole) as a small line in the cell,
/// scaled to its own range, in the palette's accent colour, with a dot on the latest point. Cells
/// without one are drawn as usual.
class SparklineDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    /// The width a sparkline cell asks for.
    static constexpr int kWidth = 72;

    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace millrace::ui
