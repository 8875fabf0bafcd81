#pragma once

#include "core/scheduler/schedulertypes.h"

#include <QColor>
#include <QList>
#include <QRectF>
#include <QString>

#include <optional>

QT_BEGIN_NAMESPACE
class QPainter;
class QPalette;
QT_END_NAMESPACE

namespace millrace::ui {

/// The colour of a task state wherever the Jobs panel shows one, in Airflow's hues (scheduled
/// tan, running lime, success green, failed red, up_for_retry gold, upstream_failed orange,
/// skipped pink, removed grey), picked to read on light and dark palettes. None has no colour of
/// its own: it is drawn as an outline (see paintStateSquare()).
QColor taskStateColour(scheduler::TaskState state);
/// The colour of a run state: queued grey, running lime, success green, failed red.
QColor runStateColour(scheduler::RunState state);
/// A state as Airflow writes it, for people: "up for retry", "upstream failed", "no status".
QString taskStateText(scheduler::TaskState state);
/// A run state for people: "queued", "running", "success", "failed".
QString runStateText(scheduler::RunState state);
/// Every task state, in the order the legend lists them.
QList<scheduler::TaskState> legendTaskStates();

/// A colour to letter on `fill` with: near-black on light fills, white on dark ones.
QColor textColourOn(const QColor &fill);
/// The colour an empty (None) square is outlined in on `palette`.
QColor noStateOutline(const QPalette &palette);

/// Paints the square of a task instance into `rect`: filled in its state's colour with rounded
/// corners; an instance in state None, or no instance at all (nullopt), as an outline only.
void paintStateSquare(QPainter *painter, const QRectF &rect,
                      std::optional<scheduler::TaskState> state, const QPalette &palette);

} // namespace millrace::ui
