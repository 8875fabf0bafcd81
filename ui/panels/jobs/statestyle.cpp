#include "ui/panels/jobs/statestyle.h"

#include <QPainter>
#include <QPalette>

namespace millrace::ui {

using scheduler::RunState;
using scheduler::TaskState;

QColor taskStateColour(TaskState state)
{
    // Mid-lightness versions of Airflow's named colours, so a square stands out on a white and a
    // near-black base alike; running (lime) and success (green) differ in hue and lightness.
    switch (state) {
    case TaskState::None:
        return QColor(0x9c, 0xa3, 0xaf);
    case TaskState::Scheduled:
        return QColor(0xd2, 0xb4, 0x8c);
    case TaskState::Running:
        return QColor(0x84, 0xcc, 0x16);
    case TaskState::Success:
        return QColor(0x15, 0x80, 0x3d);
    case TaskState::Failed:
        return QColor(0xdc, 0x26, 0x26);
    case TaskState::UpForRetry:
        return QColor(0xf5, 0xc2, 0x0b);
    case TaskState::UpstreamFailed:
        return QColor(0xf9, 0x73, 0x16);
    case TaskState::Skipped:
        return QColor(0xec, 0x48, 0x99);
    case TaskState::Removed:
        return QColor(0xa8, 0xa2, 0x9e);
    }
    return QColor(Qt::gray);
}

QColor runStateColour(RunState state)
{
    switch (state) {
    case RunState::Queued:
        return QColor(0x9c, 0xa3, 0xaf);
    case RunState::Running:
        return taskStateColour(TaskState::Running);
    case RunState::Success:
        return taskStateColour(TaskState::Success);
    case RunState::Failed:
        return taskStateColour(TaskState::Failed);
    }
    return QColor(Qt::gray);
}

QString taskStateText(TaskState state)
{
    if (state == TaskState::None)
        return QStringLiteral("no status");
    return scheduler::toString(state).replace(QLatin1Char('_'), QLatin1Char(' '));
}

QString runStateText(RunState state)
{
    return scheduler::toString(state);
}

QList<TaskState> legendTaskStates()
{
    return {TaskState::None,           TaskState::Scheduled, TaskState::Running,
            TaskState::Success,        TaskState::Failed,    TaskState::UpForRetry,
            TaskState::UpstreamFailed, TaskState::Skipped,   TaskState::Removed};
}

QColor textColourOn(const QColor &fill)
{
    // Relative luminance, roughly: light fills (tan, lime, gold) take dark letters.
    const double luminance = 0.2126 * fill.redF() + 0.7152 * fill.greenF() + 0.0722 * fill.blueF();
    return luminance > 0.45 ? QColor(0x1f, 0x29, 0x37) : QColor(Qt::white);
}

QColor noStateOutline(const QPalette &palette)
{
    QColor colour = palette.color(QPalette::Text);
    colour.setAlphaF(0.35f);
    return colour;
}

void paintStateSquare(QPainter *painter, const QRectF &rect, std::optional<TaskState> state,
                      const QPalette &palette)
{
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const qreal radius = qMax<qreal>(1.5, rect.width() / 6);
    if (!state || *state == TaskState::None) {
        painter->setPen(QPen(noStateOutline(palette), 1));
        painter->setBrush(Qt::NoBrush);
        painter->drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), radius, radius);
    } else {
        painter->setPen(Qt::NoPen);
        painter->setBrush(taskStateColour(*state));
        painter->drawRoundedRect(rect, radius, radius);
    }
    painter->restore();
}

} // namespace millrace::ui
