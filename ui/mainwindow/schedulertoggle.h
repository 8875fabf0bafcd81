#pragma once

#include <QObject>
#include <QPointer>

QT_BEGIN_NAMESPACE
class QAction;
QT_END_NAMESPACE

namespace millrace {
class SchedulerSwitch;
}

namespace millrace::ui {

/// Binds the toolbar's Start/Pause action to the workspace's scheduler switch: the action shows
/// the persisted state, and is disabled while there is no workspace or a change is being saved.
class SchedulerToggle : public QObject
{
    Q_OBJECT
public:
    explicit SchedulerToggle(QAction *action, QObject *parent = nullptr);

    /// Follows `schedulerSwitch` (null to detach).
    void bind(SchedulerSwitch *schedulerSwitch);
    /// Redraws the action, e.g. after the palette changed.
    void refresh() { showState(); }

Q_SIGNALS:
    /// A short status line for the status bar ("Scheduled updates: running").
    void statusChanged(const QString &text);

private:
    void showState();

    QAction *m_action;
    QPointer<SchedulerSwitch> m_switch;
    bool m_saving = false;
};

} // namespace millrace::ui
