#include "ui/panels/experiments/compare/parallelcoordinates.h"

#include "ui/panels/experiments/runtablemodel.h"

#include <QAction>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <limits>

namespace millrace::ui {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// How far (px) the pointer may be from an axis to grab it, and from a line to name it.
constexpr double kAxisGrab = 10;
constexpr double kLinePick = 5;
// A press that moves less than this (px) is a click: it clears the axis's brush instead of
// brushing a sliver.
constexpr double kDragThreshold = 3;
// Half the width of a drawn brush (px).
constexpr double kBrushHalfWidth = 7;
constexpr double kSideMargin = 36;
// Up to this many highlighted runs get thick lines (see paintEvent()).
constexpr qsizetype kThickLineRuns = 40;

// An axis-end value as the table shows it, then shorter for crowded axes.
QStringList numberTexts(double value)
{
    return {RunTableModel::metricText(value), QString::number(value, 'g', 3)};
}

QColor mixed(const QColor &from, const QColor &to, double amount)
{
    return QColor::fromRgbF(float(from.redF() + (to.redF() - from.redF()) * amount),
                            float(from.greenF() + (to.greenF() - from.greenF()) * amount),
                            float(from.blueF() + (to.blueF() - from.blueF()) * amount));
}

double distanceToSegment(const QPointF &p, const QPointF &a, const QPointF &b)
{
    const QPointF ab = b - a;
    const double lengthSquared = QPointF::dotProduct(ab, ab);
    double t = lengthSquared > 0 ? QPointF::dotProduct(p - a, ab) / lengthSquared : 0;
    t = std::clamp(t, 0.0, 1.0);
    const QPointF nearest = a + t * ab;
    return std::hypot(p.x() - nearest.x(), p.y() - nearest.y());
}

// Moves a label's rectangle sideways into the widget so edge axes keep readable titles.
QRectF keptInside(QRectF rect, double width)
{
    if (rect.left() < 2)
        rect.moveLeft(2);
    if (rect.right() > width - 2)
        rect.moveRight(width - 2);
    return rect;
}

} // namespace

ParallelCoordinatesView::ParallelCoordinatesView(QWidget *parent) : QWidget(parent)
{
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);

    m_clearAction = new QAction(tr("Clear brushes"), this);
    m_clearAction->setEnabled(false);
    connect(m_clearAction, &QAction::triggered, this, &ParallelCoordinatesView::clearBrushes);
    addAction(m_clearAction);
    setContextMenuPolicy(Qt::ActionsContextMenu);
}

void ParallelCoordinatesView::setData(const QStringList &runIds, const QStringList &runNames,
                                      const QList<QColor> &colours, const QList<ParallelAxis> &axes)
{
    const bool hadBrushes = hasBrushes();
    m_runIds = runIds;
    m_runNames = runNames;
    m_colours = colours;
    m_axes = axes;
    // Short value lists (a caller's slip) read as "no value" rather than out-of-range reads.
    for (ParallelAxis &axis : m_axes) {
        while (axis.values.size() < m_runIds.size())
            axis.values.append(kNaN);
    }

    m_scales.clear();
    for (const ParallelAxis &axis : std::as_const(m_axes)) {
        Scale scale;
        if (!axis.categories.isEmpty()) {
            scale.low = 0;
            scale.high = double(axis.categories.size() - 1);
        } else {
            double low = std::numeric_limits<double>::infinity();
            double high = -low;
            // Infinite values (a diverged loss) would flatten every other run onto one end, so
            // they are drawn as missing.
            for (double value : axis.values) {
                if (std::isfinite(value)) {
                    low = std::min(low, value);
                    high = std::max(high, value);
                }
            }
            if (low > high)
                low = high = 0;
            scale.low = low;
            scale.high = high;
        }
        // One value (or none) sits in the middle; a margin either way keeps the pixel to value
        // mapping, and so brushing, working on it (relative, so 1e20 does not swallow it).
        if (scale.high <= scale.low) {
            const double margin = std::max(0.5, std::abs(scale.low) * 0.01);
            scale.constant = true;
            scale.low -= margin;
            scale.high += margin;
        }
        m_scales.append(scale);
    }

    // Brushes belong to axes by title; a brush on an axis that is gone would filter invisibly.
    for (auto it = m_brushes.begin(); it != m_brushes.end();) {
        const int axis = axisIndex(it.key());
        if (axis < 0) {
            it = m_brushes.erase(it);
            continue;
        }
        const Scale &scale = m_scales.at(axis);
        it->low = std::clamp(it->low, scale.low, scale.high);
        it->high = std::clamp(it->high, scale.low, scale.high);
        ++it;
    }
    m_clearAction->setEnabled(hasBrushes());
    if (m_hoveredRun >= int(m_runIds.size()))
        m_hoveredRun = -1;

    // Without brushes every run passes; a new run list is no news to the listener.
    const QStringList before = m_lastPassing;
    updatePassing();
    if ((hadBrushes || hasBrushes()) && m_lastPassing != before)
        Q_EMIT brushChanged(m_lastPassing);
    layoutAxes();
    update();
}

QStringList ParallelCoordinatesView::passingRunIds() const
{
    QStringList ids;
    for (qsizetype run = 0; run < m_runIds.size(); ++run) {
        if (m_passing.value(run, true))
            ids.append(m_runIds.at(run));
    }
    return ids;
}

void ParallelCoordinatesView::setBrush(const QString &axisTitle, double low, double high)
{
    const int axis = axisIndex(axisTitle);
    if (axis < 0 || std::isnan(low) || std::isnan(high))
        return;
    if (low > high)
        std::swap(low, high);
    const Scale &scale = m_scales.at(axis);
    m_brushes.insert(axisTitle, Brush{std::clamp(low, scale.low, scale.high),
                                      std::clamp(high, scale.low, scale.high)});
    m_clearAction->setEnabled(true);
    const QStringList before = m_lastPassing;
    updatePassing();
    if (m_lastPassing != before)
        Q_EMIT brushChanged(m_lastPassing);
    update();
}

void ParallelCoordinatesView::clearBrushes()
{
    if (m_brushes.isEmpty())
        return;
    m_brushes.clear();
    m_clearAction->setEnabled(false);
    const QStringList before = m_lastPassing;
    updatePassing();
    if (m_lastPassing != before)
        Q_EMIT brushChanged(m_lastPassing);
    update();
}

std::pair<double, double> ParallelCoordinatesView::brush(const QString &axisTitle) const
{
    const auto found = m_brushes.constFind(axisTitle);
    if (found == m_brushes.cend())
        return {kNaN, kNaN};
    return {found->low, found->high};
}

QPointF ParallelCoordinatesView::positionOf(const QString &axisTitle, double value) const
{
    const int axis = axisIndex(axisTitle);
    if (axis < 0)
        return {};
    return {axisX(axis), toY(axis, value)};
}

void ParallelCoordinatesView::updatePassing()
{
    m_passing.fill(true, m_runIds.size());
    for (auto it = m_brushes.cbegin(); it != m_brushes.cend(); ++it) {
        const QList<double> &values = m_axes.at(axisIndex(it.key())).values;
        for (qsizetype run = 0; run < m_runIds.size(); ++run) {
            const double value = values.at(run);
            // NaN fails both comparisons: a run without a value is outside every brush.
            if (!(value >= it->low && value <= it->high) || !std::isfinite(value))
                m_passing[run] = false;
        }
    }
    m_lastPassing = passingRunIds();
}

int ParallelCoordinatesView::axisIndex(const QString &title) const
{
    for (int axis = 0; axis < int(m_axes.size()); ++axis) {
        if (m_axes.at(axis).title == title)
            return axis;
    }
    return -1;
}

void ParallelCoordinatesView::layoutAxes()
{
    const QFontMetricsF metrics(font());
    const double lineHeight = metrics.height();
    // Titles on top; tick labels sit beside the axes, centred on the ends, hence half a line of
    // room above the top; below the bottom, the "n/a" spot for runs without a value.
    const double top = 4 + lineHeight + 6 + lineHeight / 2;
    const double missingGap = std::max(16.0, lineHeight);
    // Never upside down, however small the widget gets: the value mapping divides by the height.
    const double bottom = std::max(height() - 4 - lineHeight / 2 - missingGap, top + 1);
    // Edges on pixel centres: lines along an axis end (the lowest value of every axis) then
    // cover one row of pixels in full instead of two rows by halves, and read crisp.
    auto centred = [](double coordinate) { return std::floor(coordinate) + 0.5; };
    m_plot = QRectF(QPointF(centred(kSideMargin), centred(top)),
                    QPointF(centred(width() - kSideMargin), centred(bottom)));
    m_missingY = centred(bottom + missingGap);

    m_lines.clear();
    m_lines.reserve(m_runIds.size());
    for (qsizetype run = 0; run < m_runIds.size(); ++run) {
        QPolygonF line;
        line.reserve(m_axes.size());
        for (int axis = 0; axis < int(m_axes.size()); ++axis) {
            const double value = m_axes.at(axis).values.at(run);
            line.append(QPointF(axisX(axis), std::isfinite(value) ? toY(axis, value) : m_missingY));
        }
        m_lines.append(line);
    }
}

double ParallelCoordinatesView::axisX(int axis) const
{
    if (m_axes.size() <= 1)
        return m_plot.center().x();
    return m_plot.left() + axis * m_plot.width() / double(m_axes.size() - 1);
}

double ParallelCoordinatesView::toY(int axis, double value) const
{
    const Scale &scale = m_scales.at(axis);
    return m_plot.bottom() - (value - scale.low) / (scale.high - scale.low) * m_plot.height();
}

double ParallelCoordinatesView::toValue(int axis, double y) const
{
    const Scale &scale = m_scales.at(axis);
    return scale.low + (m_plot.bottom() - y) / m_plot.height() * (scale.high - scale.low);
}

QColor ParallelCoordinatesView::runColour(int run) const
{
    const QColor colour = m_colours.value(run);
    return colour.isValid() ? colour : palette().color(QPalette::Highlight);
}

int ParallelCoordinatesView::axisAt(const QPointF &pos) const
{
    if (m_axes.isEmpty() || m_runIds.isEmpty())
        return -1;
    if (pos.y() < m_plot.top() - kAxisGrab || pos.y() > m_plot.bottom() + kAxisGrab / 2)
        return -1;
    // Narrow spacing (many axes) shrinks the grab zone so neighbours never overlap.
    const double spacing = m_axes.size() > 1 ? m_plot.width() / double(m_axes.size() - 1) : 1e9;
    const double grab = std::min(kAxisGrab, spacing / 2);
    for (int axis = 0; axis < int(m_axes.size()); ++axis) {
        if (std::abs(pos.x() - axisX(axis)) <= grab)
            return axis;
    }
    return -1;
}

int ParallelCoordinatesView::runNear(const QPointF &pos) const
{
    // Highlighted runs win over faint ones: they are the ones the user is looking at.
    int best = -1;
    double bestDistance = kLinePick;
    bool bestPasses = false;
    for (int run = 0; run < int(m_lines.size()); ++run) {
        const bool passes = m_passing.value(run, true);
        if (bestPasses && !passes)
            continue;
        const QPolygonF &line = m_lines.at(run);
        for (qsizetype i = 0; i < line.size(); ++i) {
            const QPointF &a = line.at(i);
            const QPointF &b = line.at(std::min(i + 1, line.size() - 1));
            if (pos.x() < std::min(a.x(), b.x()) - kLinePick
                || pos.x() > std::max(a.x(), b.x()) + kLinePick)
                continue;
            const double distance = distanceToSegment(pos, a, b);
            if (distance <= bestDistance || (passes && !bestPasses && distance <= kLinePick)) {
                best = run;
                bestDistance = distance;
                bestPasses = passes;
            }
        }
    }
    return best;
}

void ParallelCoordinatesView::setBrushFromPixels(int axis, double y0, double y1)
{
    double top = std::min(y0, y1);
    double bottom = std::max(y0, y1);
    // Categories are single spots; a band drawn up to a category's label should take it in,
    // not miss it by a rounding pixel.
    if (!m_axes.at(axis).categories.isEmpty()) {
        top -= kLinePick;
        bottom += kLinePick;
    }
    const Scale &scale = m_scales.at(axis);
    // A drag to an axis end means the end value exactly, not one a rounding error short of it.
    const double high = top <= m_plot.top() + 0.5 ? scale.high : toValue(axis, top);
    const double low = bottom >= m_plot.bottom() - 0.5 ? scale.low : toValue(axis, bottom);
    // setBrush() clamps and announces the change.
    setBrush(m_axes.at(axis).title, low, high);
}

bool ParallelCoordinatesView::event(QEvent *event)
{
    if (event->type() != QEvent::ToolTip)
        return QWidget::event(event);
    const auto *help = static_cast<QHelpEvent *>(event);
    const QPointF pos = help->pos();
    const QRect near(help->pos() - QPoint(4, 4), QSize(9, 9));
    // Titles are elided to the axis spacing; the tooltip names the axis in full.
    if (pos.y() < m_plot.top() - QFontMetricsF(font()).height() && !m_axes.isEmpty()) {
        const double spacing =
            m_axes.size() > 1 ? m_plot.width() / double(m_axes.size() - 1) : width();
        for (int axis = 0; axis < int(m_axes.size()); ++axis) {
            if (std::abs(pos.x() - axisX(axis)) <= spacing / 2) {
                QToolTip::showText(help->globalPos(), m_axes.at(axis).title, this, near);
                return true;
            }
        }
    }
    const int run = runNear(pos);
    if (run < 0) {
        QToolTip::hideText();
        event->ignore();
        return true;
    }
    const QString name = m_runNames.value(run);
    QToolTip::showText(help->globalPos(), name.isEmpty() ? m_runIds.at(run) : name, this, near);
    return true;
}

void ParallelCoordinatesView::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    layoutAxes();
}

void ParallelCoordinatesView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    // The margins follow the font's height.
    if (event->type() == QEvent::FontChange)
        layoutAxes();
}

void ParallelCoordinatesView::mousePressEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton) {
        QWidget::mousePressEvent(event);
        return;
    }
    m_dragAxis = axisAt(event->position());
    m_dragStartY = std::clamp(event->position().y(), m_plot.top(), m_plot.bottom());
    m_dragMoved = false;
    event->accept();
}

void ParallelCoordinatesView::mouseMoveEvent(QMouseEvent *event)
{
    if (m_dragAxis < 0) {
        const int hovered = runNear(event->position());
        if (hovered != m_hoveredRun) {
            m_hoveredRun = hovered;
            update();
        }
        return;
    }
    const double y = std::clamp(event->position().y(), m_plot.top(), m_plot.bottom());
    if (!m_dragMoved && std::abs(event->position().y() - m_dragStartY) < kDragThreshold)
        return;
    m_dragMoved = true;
    setBrushFromPixels(m_dragAxis, m_dragStartY, y);
}

void ParallelCoordinatesView::mouseReleaseEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton || m_dragAxis < 0) {
        QWidget::mouseReleaseEvent(event);
        return;
    }
    const int axis = m_dragAxis;
    m_dragAxis = -1;
    if (m_dragMoved)
        return;
    // A click on an axis takes its brush away, the way most parallel-coordinate tools do.
    if (m_brushes.remove(m_axes.at(axis).title) > 0) {
        m_clearAction->setEnabled(hasBrushes());
        const QStringList before = m_lastPassing;
        updatePassing();
        if (m_lastPassing != before)
            Q_EMIT brushChanged(m_lastPassing);
        update();
    }
}

void ParallelCoordinatesView::keyPressEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Escape && hasBrushes()) {
        clearBrushes();
        event->accept();
        return;
    }
    QWidget::keyPressEvent(event);
}

void ParallelCoordinatesView::leaveEvent(QEvent *event)
{
    QWidget::leaveEvent(event);
    if (m_hoveredRun >= 0) {
        m_hoveredRun = -1;
        update();
    }
}

void ParallelCoordinatesView::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    const QPalette &pal = palette();
    painter.fillRect(rect(), pal.color(QPalette::Base));

    const QColor text = pal.color(QPalette::Text);
    if (m_axes.isEmpty() || m_runIds.isEmpty()) {
        painter.setPen(pal.color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter, tr("No params or metrics to compare"));
        return;
    }

    // Axis lines under the runs, so the lines stay readable where many runs cross.
    QColor axisColour = text;
    axisColour.setAlphaF(0.45);
    painter.setPen(QPen(axisColour, 1));
    for (int axis = 0; axis < int(m_axes.size()); ++axis) {
        const double x = axisX(axis);
        painter.drawLine(QPointF(x, m_plot.top()), QPointF(x, m_plot.bottom()));
    }

    auto drawRun = [&](int run) {
        const QPolygonF &line = m_lines.at(run);
        if (line.size() == 1)
            painter.drawEllipse(line.first(), 2, 2);
        else
            painter.drawPolyline(line);
    };

    // The "n/a" spots, under the lines that end there.
    QList<bool> axisHasMissing;
    for (const ParallelAxis &axis : std::as_const(m_axes)) {
        axisHasMissing.append(std::any_of(axis.values.cbegin(), axis.values.cend(),
                                          [](double value) { return !std::isfinite(value); }));
    }
    painter.setPen(QPen(axisColour, 1, Qt::DotLine));
    for (int axis = 0; axis < int(m_axes.size()); ++axis) {
        if (axisHasMissing.at(axis)) {
            const double x = axisX(axis);
            painter.drawLine(QPointF(x, m_plot.bottom()), QPointF(x, m_missingY));
        }
    }

    // Filtered-out runs: faint, and without antialiasing. The faint colour is mixed opaque rather
    // than translucent: the raster engine's fast line path only takes opaque pens (translucent
    // ones made 500 runs ten times slower).
    const QColor base = pal.color(QPalette::Base);
    const QColor faint = mixed(base, text, 0.25);
    painter.setPen(QPen(faint, 1));
    painter.setBrush(Qt::NoBrush);
    for (int run = 0; run < int(m_lines.size()); ++run) {
        if (!m_passing.value(run, true))
            drawRun(run);
    }
    painter.setRenderHint(QPainter::Antialiasing);
    // Antialiased lines wider than one pixel go through the stroker, about 1 ms a run: fine for a
    // few runs, where thicker lines read better, too slow for hundreds.
    const auto highlighted = std::count(m_passing.cbegin(), m_passing.cend(), true);
    const double lineWidth = highlighted <= kThickLineRuns ? 1.8 : 1.0;
    for (int run = 0; run < int(m_lines.size()); ++run) {
        if (m_passing.value(run, true) && run != m_hoveredRun) {
            painter.setPen(
                QPen(runColour(run), lineWidth, Qt::SolidLine, Qt::FlatCap, Qt::BevelJoin));
            drawRun(run);
        }
    }
    if (m_hoveredRun >= 0 && m_hoveredRun < int(m_lines.size())) {
        const QColor colour = m_passing.value(m_hoveredRun, true) ? runColour(m_hoveredRun) : text;
        painter.setPen(QPen(colour, 3, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        drawRun(m_hoveredRun);
    }

    // Brushes over the lines, translucent so the runs inside stay visible.
    QColor brushFill = pal.color(QPalette::Highlight);
    brushFill.setAlphaF(0.25);
    QColor brushEdge = pal.color(QPalette::Highlight);
    for (auto it = m_brushes.cbegin(); it != m_brushes.cend(); ++it) {
        const int axis = axisIndex(it.key());
        const double x = axisX(axis);
        const double top = toY(axis, it->high);
        const double bottom = toY(axis, it->low);
        const QRectF box(QPointF(x - kBrushHalfWidth, top),
                         QPointF(x + kBrushHalfWidth, std::max(bottom, top + 2)));
        painter.setPen(QPen(brushEdge, 1));
        painter.setBrush(brushFill);
        painter.drawRoundedRect(box, 2, 2);
    }

    // Labels last, on a backing in the base colour where they sit among the lines.
    painter.setBrush(Qt::NoBrush);
    const QFontMetricsF metrics(font());
    const double spacing =
        m_axes.size() > 1 ? m_plot.width() / double(m_axes.size() - 1) : width() - 2 * kSideMargin;
    const double labelWidth = std::max(spacing - 6, 24.0);
    QColor tickColour = text;
    tickColour.setAlphaF(0.75);
    QColor backing = pal.color(QPalette::Base);
    backing.setAlphaF(0.8);

    // The first of `candidates` (longest first) that fits, else the last one elided.
    auto fitted = [&](const QStringList &candidates, double width, Qt::TextElideMode mode) {
        const QFontMetricsF fontMetrics(painter.font());
        for (const QString &candidate : candidates) {
            if (fontMetrics.horizontalAdvance(candidate) <= width)
                return candidate;
        }
        return fontMetrics.elidedText(candidates.last(), mode, width);
    };
    auto drawLabel = [&](const QRectF &area, Qt::Alignment align, const QString &shown,
                         const QColor &colour, bool backed) {
        if (backed) {
            QRectF box = painter.boundingRect(area, int(align), shown);
            painter.fillRect(box.adjusted(-2, 0, 2, 0), backing);
        }
        painter.setPen(colour);
        painter.drawText(area, int(align), shown);
    };

    const double lineHeight = metrics.height();
    const int lastAxis = int(m_axes.size()) - 1;
    for (int axis = 0; axis < int(m_axes.size()); ++axis) {
        const double x = axisX(axis);
        const ParallelAxis &data = m_axes.at(axis);
        const Scale &scale = m_scales.at(axis);

        QFont titleFont = font();
        titleFont.setBold(m_brushes.contains(data.title));
        painter.setFont(titleFont);
        const QRectF titleArea =
            keptInside(QRectF(x - labelWidth / 2, 4, labelWidth, lineHeight), width());
        // Crowded titles drop their group ("metrics.") and then lose their start, not their end:
        // "…val_loss" and "…train_loss" stay apart where "metrics.…" would not. The tooltip has
        // the full title.
        QStringList titles{data.title};
        if (const qsizetype dot = data.title.indexOf(QLatin1Char('.')); dot > 0)
            titles.append(data.title.mid(dot + 1));
        drawLabel(titleArea, Qt::AlignCenter, fitted(titles, titleArea.width(), Qt::ElideLeft),
                  text, false);
        painter.setFont(font());

        // Tick labels beside the axis, on the right; the last axis has no room there.
        const bool onLeft = axis == lastAxis && m_axes.size() > 1;
        const double sideWidth = std::max(spacing - 8, 24.0);
        auto drawTick = [&](double y, const QStringList &candidates) {
            const QRectF area =
                onLeft ? QRectF(x - 5 - sideWidth, y - lineHeight / 2, sideWidth, lineHeight)
                       : QRectF(x + 5, y - lineHeight / 2, sideWidth, lineHeight);
            drawLabel(area, (onLeft ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter,
                      fitted(candidates, sideWidth, Qt::ElideRight), tickColour, true);
        };

        const bool hasValue = std::any_of(data.values.cbegin(), data.values.cend(),
                                          [](double value) { return std::isfinite(value); });
        if (!data.categories.isEmpty()) {
            // Every category, thinned out when they would overlap.
            const double step = data.categories.size() > 1
                                    ? m_plot.height() / double(data.categories.size() - 1)
                                    : m_plot.height();
            const int every = std::max(1, int(std::ceil(lineHeight / std::max(step, 1.0))));
            for (int index = 0; index < int(data.categories.size()); index += every)
                drawTick(toY(axis, index), {data.categories.at(index)});
        } else if (!hasValue) {
            drawTick(m_plot.center().y(), {tr("no values")});
        } else if (scale.constant) {
            drawTick(m_plot.center().y(), numberTexts((scale.low + scale.high) / 2));
        } else {
            drawTick(m_plot.top(), numberTexts(scale.high));
            drawTick(m_plot.bottom(), numberTexts(scale.low));
        }
        if (axisHasMissing.at(axis))
            drawTick(m_missingY, {tr("n/a")});

        // A numeric brush says its range at its ends, left of the axis, where only the last
        // axis has its tick labels (those sit at the axis ends); the first axis has no room on
        // the left and uses the right. Four digits: a dragged range is no more precise than that.
        // (Categorical brushes show their categories already.)
        const auto brush = m_brushes.constFind(data.title);
        if (brush == m_brushes.cend() || !data.categories.isEmpty())
            continue;
        const bool brushOnLeft = axis > 0;
        const double room = brushOnLeft ? sideWidth : sideWidth + 5;
        const double brushWidth = std::max(room - kBrushHalfWidth - 2, 16.0);
        auto drawBrushEnd = [&](double y, const QStringList &candidates) {
            const double gap = kBrushHalfWidth + 2;
            const QRectF area =
                brushOnLeft
                    ? QRectF(x - gap - brushWidth, y - lineHeight / 2, brushWidth, lineHeight)
                    : QRectF(x + gap, y - lineHeight / 2, brushWidth, lineHeight);
            drawLabel(area, (brushOnLeft ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter,
                      fitted(candidates, brushWidth, Qt::ElideRight), text, true);
        };
        const double top = toY(axis, brush->high);
        const double bottom = toY(axis, brush->low);
        auto brushTexts = [](double value) {
            return QStringList{QString::number(value, 'g', 4), QString::number(value, 'g', 2)};
        };
        if (bottom - top >= lineHeight) {
            drawBrushEnd(top, brushTexts(brush->high));
            drawBrushEnd(bottom, brushTexts(brush->low));
        } else {
            const QStringList low = brushTexts(brush->low);
            const QStringList high = brushTexts(brush->high);
            const QString dash = QStringLiteral("\u2013");
            drawBrushEnd((top + bottom) / 2,
                         {low.first() + dash + high.first(), low.last() + dash + high.last()});
        }
    }
}

} // namespace millrace::ui
