#include "ui/panels/experiments/sparklinedelegate.h"

#include "ui/panels/experiments/runmetricsmodel.h"

#include <QPainter>
#include <QPainterPath>

namespace millrace::ui {

namespace {
// Room around the line, so the dot on the latest point is not cut by the cell's edge.
constexpr int kMarginX = 5;
constexpr int kMarginY = 4;
} // namespace

void SparklineDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                              const QModelIndex &index) const
{
    // The background, selection and focus as the style draws them; the line goes on top.
    QStyledItemDelegate::paint(painter, option, index);
    const QVariant value = index.data(RunMetricsModel::SparklineRole);
    if (!value.canConvert<MetricSparkline>())
        return;
    const MetricSparkline sparkline = value.value<MetricSparkline>();
    if (sparkline.points.isEmpty())
        return;

    const QRectF area = QRectF(option.rect).adjusted(kMarginX, kMarginY, -kMarginX, -kMarginY);
    if (area.width() < 4 || area.height() < 4)
        return;
    double minX = sparkline.points.first().x();
    double maxX = sparkline.points.last().x();
    double minY = sparkline.points.first().y();
    double maxY = minY;
    for (const QPointF &point : sparkline.points) {
        minX = qMin(minX, point.x());
        maxX = qMax(maxX, point.x());
        minY = qMin(minY, point.y());
        maxY = qMax(maxY, point.y());
    }
    // A flat series (or a single point) sits in the middle rather than on an edge.
    const double spanX = maxX - minX;
    const double spanY = maxY - minY;
    const auto map = [&](const QPointF &point) {
        const double x = spanX > 0 ? (point.x() - minX) / spanX : 0.5;
        const double y = spanY > 0 ? (point.y() - minY) / spanY : 0.5;
        return QPointF(area.left() + x * area.width(), area.bottom() - y * area.height());
    };

    const bool selected = option.state.testFlag(QStyle::State_Selected);
    const QPalette::ColorGroup group =
        option.state.testFlag(QStyle::State_Enabled) ? QPalette::Normal : QPalette::Disabled;
    const QColor colour =
        option.palette.color(group, selected ? QPalette::HighlightedText : QPalette::Highlight);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setClipRect(option.rect);
    if (sparkline.points.size() > 1) {
        QPolygonF line;
        line.reserve(sparkline.points.size());
        for (const QPointF &point : sparkline.points)
            line.append(map(point));
        painter->setPen(QPen(colour, 1.4, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        painter->drawPolyline(line);
    }
    painter->setPen(Qt::NoPen);
    painter->setBrush(colour);
    painter->drawEllipse(map(sparkline.points.last()), 2.2, 2.2);
    painter->restore();
}

QSize SparklineDelegate::sizeHint(const QStyleOptionViewItem &option,
                                  const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.setWidth(qMax(size.width(), kWidth));
    return size;
}

} // namespace millrace::ui
