#pragma once

#include "ui/mainwindow/switchtoggle.h"

namespace millrace::ui {

/// The toolbar's Start/Pause action for scheduled updates, drawn as play or pause, with a
/// status line for the status bar.
class SchedulerToggle : public SwitchToggle
{
    Q_OBJECT
public:
    explicit SchedulerToggle(QAction *action, QObject *parent = nullptr);

Q_SIGNALS:
    /// A short status line for the status bar ("Scheduled updates: running").
    void statusChanged(const QString &text);

protected:
    void draw(std::optional<bool> running, bool bound) override;
};

} // namespace millrace::ui
