#include "ui/panels/jobs/ganttchart.h"

#include "ui/panels/jobs/gridmodel.h"
#include "ui/panels/jobs/statestyle.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QTimer>
#include <QToolTip>

#include <algorithm>
#include <array>

namespace millrace::ui {

namespace {
constexpr int kRowHeight = 22;
constexpr int kMargin = 10;
constexpr int kBarInset = 4;

QDateTime endOf(const scheduler::TaskTryRecord &attempt)
{
    return attempt.endedAt.isValid() ? attempt.endedAt : QDateTime::currentDateTimeUtc();
}
} // namespace

qint64 tickStepMs(qint64 span, int pixels, int minimumGap)
{
    static constexpr std::array<qint64, 22> kSteps{
        100,     200,      500,      1000,     2000,     5000,     10000,   15000,
        30000,   60000,    120000,   300000,   600000,   900000,   1800000, 3600000,
        7200000, 10800000, 21600000, 43200000, 86400000, 172800000};
    if (span <= 0 || pixels <= 0)
        return kSteps.front();
    for (qint64 step : kSteps) {
        if (double(step) / double(span) * pixels >= minimumGap)
            return step;
    }
    return kSteps.back();
}

GanttChart::GanttChart(QWidget *parent) : QWidget(parent), m_runningTimer(new QTimer(this))
{
    setMouseTracking(true);
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
    m_runningTimer->setInterval(1000);
    connect(m_runningTimer, &QTimer::timeout, this, [this] {
        updateRange();
        update();
    });
}

void GanttChart::setTasks(const QStringList &taskIds)
{
    m_tasks = taskIds;
    updateGeometry();
    update();
}

void GanttChart::setRun(const RunDetail &detail)
{
    m_detail = detail;
    m_hasRun = true;
    updateRange();
    bool running = false;
    for (const scheduler::TaskTryRecord &attempt : std::as_const(m_detail.tries))
        running = running || !attempt.endedAt.isValid();
    if (running)
        m_runningTimer->start();
    else
        m_runningTimer->stop();
    updateGeometry();
    update();
}

void GanttChart::clear()
{
    m_detail = RunDetail();
    m_hasRun = false;
    m_runningTimer->stop();
    m_start = QDateTime();
    m_end = QDateTime();
    update();
}

void GanttChart::setSelectedTask(const QString &taskId)
{
    if (taskId == m_selected)
        return;
    m_selected = taskId;
    update();
}

void GanttChart::updateRange()
{
    m_start = QDateTime();
    m_end = QDateTime();
    for (const scheduler::TaskTryRecord &attempt : std::as_const(m_detail.tries)) {
        if (!attempt.startedAt.isValid())
            continue;
        if (!m_start.isValid() || attempt.startedAt < m_start)
            m_start = attempt.startedAt;
        const QDateTime end = endOf(attempt);
        if (!m_end.isValid() || end > m_end)
            m_end = end;
    }
    // A bar needs some width even when every try took no time at all.
    if (m_start.isValid() && m_start.msecsTo(m_end) < 1000)
        m_end = m_start.addMSecs(1000);
}

QStringList GanttChart::rows() const
{
    QStringList rows = m_tasks;
    QStringList extra;
    for (const scheduler::TaskTryRecord &attempt : std::as_const(m_detail.tries)) {
        if (!rows.contains(attempt.taskId) && !extra.contains(attempt.taskId))
            extra.append(attempt.taskId);
    }
    std::sort(extra.begin(), extra.end());
    return rows + extra;
}

int GanttChart::labelWidth() const
{
    int widest = 60;
    for (const QString &task : rows())
        widest = qMax(widest, fontMetrics().horizontalAdvance(task));
    return qMin(widest, 220) + 2 * kMargin;
}

int GanttChart::axisHeight() const
{
    return fontMetrics().height() + 10;
}

QRect GanttChart::plotRect() const
{
    return QRect(labelWidth(), axisHeight(), qMax(10, width() - labelWidth() - kMargin * 2),
                 int(rows().size()) * kRowHeight);
}

QSize GanttChart::sizeHint() const
{
    return QSize(labelWidth() + 400, axisHeight() + int(rows().size()) * kRowHeight + kMargin);
}

QSize GanttChart::minimumSizeHint() const
{
    return QSize(labelWidth() + 100, axisHeight() + int(rows().size()) * kRowHeight + kMargin);
}

double GanttChart::xOf(const QDateTime &time) const
{
    const QRect plot = plotRect();
    const qint64 span = qMax<qint64>(1, m_start.msecsTo(m_end));
    return plot.left() + double(m_start.msecsTo(time)) / double(span) * plot.width();
}

QRect GanttChart::barRect(const QString &taskId, int tryNumber) const
{
    const int row = int(rows().indexOf(taskId));
    if (row < 0 || !m_start.isValid())
        return {};
    for (const scheduler::TaskTryRecord &attempt : std::as_const(m_detail.tries)) {
        if (attempt.taskId != taskId || attempt.tryNumber != tryNumber
            || !attempt.startedAt.isValid())
            continue;
        const int left = int(xOf(attempt.startedAt));
        const int right = qMax(left + 3, int(xOf(endOf(attempt)) + 0.5));
        const int top = plotRect().top() + row * kRowHeight + kBarInset;
        return QRect(left, top, right - left, kRowHeight - 2 * kBarInset);
    }
    return {};
}

int GanttChart::rowAt(const QPoint &point) const
{
    if (point.y() < axisHeight())
        return -1;
    const int row = (point.y() - axisHeight()) / kRowHeight;
    return row < rows().size() ? row : -1;
}

const scheduler::TaskTryRecord *GanttChart::tryAt(const QPoint &point) const
{
    for (const scheduler::TaskTryRecord &attempt : std::as_const(m_detail.tries)) {
        if (barRect(attempt.taskId, attempt.tryNumber).adjusted(-2, -2, 2, 2).contains(point))
            return &attempt;
    }
    return nullptr;
}

void GanttChart::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    const QStringList shownRows = rows();
    const QRect plot = plotRect();
    const QColor text = palette().color(QPalette::Text);
    QColor faint = text;
    faint.setAlphaF(0.12f);
    QColor axis = text;
    axis.setAlphaF(0.55f);

    // Rows: the chosen one tinted, the others on alternating stripes.
    for (int row = 0; row < shownRows.size(); ++row) {
        const QRect band(0, plot.top() + row * kRowHeight, width(), kRowHeight);
        if (shownRows.at(row) == m_selected) {
            QColor tint = palette().color(QPalette::Highlight);
            tint.setAlphaF(0.2f);
            painter.fillRect(band, tint);
        } else if (row % 2 == 1) {
            painter.fillRect(band, palette().color(QPalette::AlternateBase));
        }
        painter.setPen(text);
        painter.drawText(QRect(kMargin, band.top(), labelWidth() - 2 * kMargin, kRowHeight),
                         Qt::AlignVCenter | Qt::AlignLeft,
                         fontMetrics().elidedText(shownRows.at(row), Qt::ElideRight,
                                                  labelWidth() - 2 * kMargin));
    }

    if (!m_start.isValid()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(QRect(plot.left(), 0, plot.width(), qMax(plot.bottom(), height())),
                         Qt::AlignCenter,
                         m_hasRun ? tr("No task has started in this run yet") : tr("Choose a run"));
        return;
    }

    // The time axis: round steps in local time, a faint line down the plot at each.
    const qint64 span = m_start.msecsTo(m_end);
    const qint64 step = tickStepMs(span, plot.width());
    const qint64 startMs = m_start.toMSecsSinceEpoch();
    const qint64 offset = m_start.toLocalTime().offsetFromUtc() * 1000LL;
    qint64 tick = ((startMs + offset + step - 1) / step) * step - offset;
    const QString format = step < 1000 ? QStringLiteral("HH:mm:ss.z") : QStringLiteral("HH:mm:ss");
    for (; tick <= m_end.toMSecsSinceEpoch(); tick += step) {
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(tick, Qt::UTC);
        const int x = int(xOf(at) + 0.5);
        painter.setPen(faint);
        painter.drawLine(x, plot.top(), x, plot.bottom());
        painter.setPen(axis);
        painter.drawLine(x, plot.top() - 4, x, plot.top());
        const QString label = at.toLocalTime().toString(format);
        const int labelWidth = fontMetrics().horizontalAdvance(label);
        painter.drawText(QRect(x - labelWidth / 2, 2, labelWidth, axisHeight() - 6),
                         Qt::AlignCenter, label);
    }
    painter.setPen(axis);
    painter.drawLine(plot.left(), plot.top(), plot.right(), plot.top());

    painter.setRenderHint(QPainter::Antialiasing);
    for (const scheduler::TaskTryRecord &attempt : std::as_const(m_detail.tries)) {
        const QRect bar = barRect(attempt.taskId, attempt.tryNumber);
        if (bar.isEmpty())
            continue;
        const QColor colour = taskStateColour(attempt.state);
        painter.setPen(Qt::NoPen);
        painter.setBrush(colour);
        painter.drawRoundedRect(QRectF(bar), 3, 3);
        // The try number, where it fits.
        const QString number = QString::number(attempt.tryNumber);
        if (bar.width() > fontMetrics().horizontalAdvance(number) + 8) {
            painter.setPen(textColourOn(colour));
            painter.drawText(bar, Qt::AlignCenter, number);
        }
    }
}

void GanttChart::mousePressEvent(QMouseEvent *event)
{
    const int row = rowAt(event->position().toPoint());
    if (row >= 0 && event->button() == Qt::LeftButton) {
        const QString task = rows().at(row);
        setSelectedTask(task);
        Q_EMIT taskClicked(task);
        event->accept();
        return;
    }
    QWidget::mousePressEvent(event);
}

bool GanttChart::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const scheduler::TaskTryRecord *attempt = tryAt(help->pos());
        if (!attempt) {
            QToolTip::hideText();
            event->ignore();
            return true;
        }
        QString tip =
            tr("%1, try %2: %3\n%4 – %5 (%6)")
                .arg(attempt->taskId)
                .arg(attempt->tryNumber)
                .arg(taskStateText(attempt->state),
                     attempt->startedAt.toLocalTime().toString(QStringLiteral("HH:mm:ss")),
                     attempt->endedAt.isValid()
                         ? attempt->endedAt.toLocalTime().toString(QStringLiteral("HH:mm:ss"))
                         : tr("now"),
                     durationText(attempt->startedAt.msecsTo(endOf(*attempt)) / 1000.0));
        if (!attempt->message.isEmpty())
            tip += QLatin1Char('\n') + attempt->message;
        QToolTip::showText(help->globalPos(), tip, this);
        return true;
    }
    return QWidget::event(event);
}

} // namespace millrace::ui
