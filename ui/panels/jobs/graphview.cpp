#include "ui/panels/jobs/graphview.h"

#include "ui/panels/jobs/statestyle.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

#include <cmath>

namespace millrace::ui {

namespace {
constexpr int kMargin = 16;
constexpr int kLayerGap = 40;
constexpr int kSlotGap = 14;
constexpr int kStripe = 6;
} // namespace

GraphView::GraphView(QWidget *parent) : QWidget(parent)
{
    setMouseTracking(true);
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
}

void GraphView::setDag(const scheduler::DagSpec &dag)
{
    m_layout = layoutGraph(dag.tasks);
    updateGeometryFromFont();
    updateGeometry();
    adjustSize();
    update();
}

void GraphView::setStates(const QHash<QString, scheduler::TaskState> &states)
{
    m_states = states;
    update();
}

void GraphView::setSelectedTask(const QString &taskId)
{
    if (taskId == m_selected)
        return;
    m_selected = taskId;
    update();
}

std::optional<scheduler::TaskState> GraphView::stateOf(const QString &taskId) const
{
    const auto found = m_states.constFind(taskId);
    if (found == m_states.constEnd())
        return std::nullopt;
    return *found;
}

void GraphView::updateGeometryFromFont()
{
    // Wide enough for the longest task id in bold.
    QFont bold = font();
    bold.setBold(true);
    const QFontMetrics boldMetrics(bold);
    int widest = 90;
    for (const GraphLayout::Node &node : std::as_const(m_layout.nodes))
        widest = qMax(widest, qMax(boldMetrics.horizontalAdvance(node.taskId),
                                   fontMetrics().horizontalAdvance(node.operatorId)));
    m_nodeWidth = qMin(widest + kStripe + 20, 260);
    m_nodeHeight = boldMetrics.height() + fontMetrics().height() + 14;
}

QSize GraphView::sizeHint() const
{
    if (m_layout.nodes.isEmpty())
        return QSize(200, 100);
    return QSize(
        2 * kMargin + m_layout.layerCount * m_nodeWidth + (m_layout.layerCount - 1) * kLayerGap,
        2 * kMargin + m_layout.maxSlots * m_nodeHeight + (m_layout.maxSlots - 1) * kSlotGap);
}

QRect GraphView::nodeRectAt(int index) const
{
    const GraphLayout::Node &node = m_layout.nodes.at(index);
    return QRect(kMargin + node.layer * (m_nodeWidth + kLayerGap),
                 kMargin + node.slot * (m_nodeHeight + kSlotGap), m_nodeWidth, m_nodeHeight);
}

QRect GraphView::nodeRect(const QString &taskId) const
{
    const int index = m_layout.indexOf(taskId);
    return index < 0 ? QRect() : nodeRectAt(index);
}

int GraphView::nodeAt(const QPoint &point) const
{
    for (int i = 0; i < m_layout.nodes.size(); ++i) {
        if (nodeRectAt(i).contains(point))
            return i;
    }
    return -1;
}

void GraphView::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    if (m_layout.nodes.isEmpty()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter, tr("No tasks"));
        return;
    }

    QColor edgeColour = palette().color(QPalette::Text);
    edgeColour.setAlphaF(0.45f);
    painter.setPen(QPen(edgeColour, 1.4));
    for (const auto &[from, to] : std::as_const(m_layout.edges)) {
        const QRectF a = nodeRectAt(from);
        const QRectF b = nodeRectAt(to);
        const QPointF start(a.right(), a.center().y());
        const QPointF end(b.left() - 1, b.center().y());
        const qreal bend = (end.x() - start.x()) / 2;
        QPainterPath path(start);
        path.cubicTo(start + QPointF(bend, 0), end - QPointF(bend, 0), end);
        painter.setBrush(Qt::NoBrush);
        painter.drawPath(path);
        QPainterPath arrow;
        arrow.moveTo(end);
        arrow.lineTo(end + QPointF(-7, -3.5));
        arrow.lineTo(end + QPointF(-7, 3.5));
        arrow.closeSubpath();
        painter.fillPath(arrow, edgeColour);
    }

    QFont bold = font();
    bold.setBold(true);
    const QColor base = palette().color(QPalette::Base);
    for (int i = 0; i < m_layout.nodes.size(); ++i) {
        const GraphLayout::Node &node = m_layout.nodes.at(i);
        const QRectF box = QRectF(nodeRectAt(i)).adjusted(0.5, 0.5, -0.5, -0.5);
        const std::optional<scheduler::TaskState> state = stateOf(node.taskId);
        const bool hasColour = state && *state != scheduler::TaskState::None;
        const QColor colour = hasColour ? taskStateColour(*state) : noStateOutline(palette());
        QPainterPath outline;
        outline.addRoundedRect(box, 5, 5);
        painter.fillPath(outline, base);
        // The state as a stripe down the left edge and a faint wash over the box.
        if (hasColour) {
            QColor wash = colour;
            wash.setAlphaF(0.14f);
            painter.fillPath(outline, wash);
            painter.save();
            painter.setClipPath(outline);
            painter.fillRect(QRectF(box.left(), box.top(), kStripe, box.height()), colour);
            painter.restore();
        }
        const bool selected = node.taskId == m_selected;
        painter.setPen(
            QPen(selected ? palette().color(QPalette::Highlight) : colour, selected ? 2.5 : 1.2));
        painter.setBrush(Qt::NoBrush);
        painter.drawPath(outline);

        const QRectF text = box.adjusted(kStripe + 8, 5, -6, -5);
        painter.setPen(palette().color(QPalette::Text));
        painter.setFont(bold);
        const QFontMetrics boldMetrics(bold);
        painter.drawText(text, Qt::AlignLeft | Qt::AlignTop,
                         boldMetrics.elidedText(node.taskId, Qt::ElideRight, int(text.width())));
        painter.setFont(font());
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(
            text, Qt::AlignLeft | Qt::AlignBottom,
            fontMetrics().elidedText(node.operatorId, Qt::ElideRight, int(text.width())));
    }
}

void GraphView::mousePressEvent(QMouseEvent *event)
{
    const int index = nodeAt(event->position().toPoint());
    if (index >= 0 && event->button() == Qt::LeftButton) {
        setSelectedTask(m_layout.nodes.at(index).taskId);
        Q_EMIT taskClicked(m_layout.nodes.at(index).taskId);
        event->accept();
        return;
    }
    QWidget::mousePressEvent(event);
}

bool GraphView::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const int index = nodeAt(help->pos());
        if (index < 0) {
            QToolTip::hideText();
            event->ignore();
            return true;
        }
        const GraphLayout::Node &node = m_layout.nodes.at(index);
        const std::optional<scheduler::TaskState> state = stateOf(node.taskId);
        QToolTip::showText(help->globalPos(),
                           tr("%1 (%2): %3")
                               .arg(node.taskId, node.operatorId,
                                    taskStateText(state.value_or(scheduler::TaskState::None))),
                           this);
        return true;
    }
    return QWidget::event(event);
}

} // namespace millrace::ui
