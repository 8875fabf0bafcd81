#include "ui/panels/jobs/runbarheader.h"

#include "core/scheduler/schedulertypes.h"
#include "ui/panels/jobs/gridmodel.h"
#include "ui/panels/jobs/statestyle.h"

#include <QPainter>
#include <QPainterPath>

namespace millrace::ui {

namespace {
constexpr int kHeaderHeight = 50;
constexpr int kMarkerSpace = 8; // room for the manual-run triangle over the bar
constexpr int kMinBar = 4;
} // namespace

RunBarHeader::RunBarHeader(QWidget *parent) : QHeaderView(Qt::Horizontal, parent)
{
    setSectionsClickable(true);
    setHighlightSections(false);
    setSectionResizeMode(QHeaderView::Fixed);
}

void RunBarHeader::setHighlightedSection(int section)
{
    if (section == m_highlighted)
        return;
    m_highlighted = section;
    viewport()->update();
}

QSize RunBarHeader::sizeHint() const
{
    QSize size = QHeaderView::sizeHint();
    size.setHeight(kHeaderHeight);
    return size;
}

double RunBarHeader::longestRunSeconds() const
{
    double longest = 0;
    if (!model())
        return longest;
    for (int section = 0; section < count(); ++section)
        longest = qMax(
            longest,
            model()->headerData(section, Qt::Horizontal, GridModel::RunSecondsRole).toDouble());
    return longest;
}

void RunBarHeader::paintSection(QPainter *painter, const QRect &rect, int logicalIndex) const
{
    if (!rect.isValid() || !model())
        return;
    painter->save();
    painter->fillRect(rect, palette().color(QPalette::Base));
    if (logicalIndex == m_highlighted) {
        QColor tint = palette().color(QPalette::Highlight);
        tint.setAlphaF(0.22f);
        painter->fillRect(rect, tint);
    }
    const QVariant stateValue =
        model()->headerData(logicalIndex, Qt::Horizontal, GridModel::RunStateRole);
    if (stateValue.isValid()) {
        const auto state = scheduler::RunState(stateValue.toInt());
        const double seconds =
            model()->headerData(logicalIndex, Qt::Horizontal, GridModel::RunSecondsRole).toDouble();
        const double longest = longestRunSeconds();
        const int room = rect.height() - kMarkerSpace - 4;
        const int height =
            longest > 0 ? qMax(kMinBar, int(room * seconds / longest + 0.5)) : kMinBar;
        const int width = qMax(4, rect.width() - 8);
        const QRectF bar(rect.center().x() - width / 2.0 + 0.5, rect.bottom() - 2 - height, width,
                         height);
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setPen(Qt::NoPen);
        painter->setBrush(runStateColour(state));
        painter->drawRoundedRect(bar, 2, 2);
        const auto type = scheduler::RunType(
            model()->headerData(logicalIndex, Qt::Horizontal, GridModel::RunTypeRole).toInt());
        if (type == scheduler::RunType::Manual) {
            // A small "play" triangle, as Airflow marks triggered runs.
            QPainterPath triangle;
            const qreal x = rect.center().x() - 2.5;
            const qreal y = bar.top() - kMarkerSpace + 1;
            triangle.moveTo(x, y);
            triangle.lineTo(x + 5, y + 3);
            triangle.lineTo(x, y + 6);
            triangle.closeSubpath();
            painter->setBrush(palette().color(QPalette::Text));
            painter->drawPath(triangle);
        }
    }
    painter->restore();
}

} // namespace millrace::ui
