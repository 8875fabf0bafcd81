#pragma once

#include <QObject>
#include <QPointer>

#include <optional>

QT_BEGIN_NAMESPACE
class QAction;
QT_END_NAMESPACE

namespace millrace {
class SchedulerSwitch;
}

namespace millrace::ui {

/// Binds a toolbar action to one of the workspace's scheduler switches (SchedulerSwitch): the
/// action shows the stored state, a click stores the other one, and the action is disabled
/// while there is no workspace or a change is being saved. Subclasses draw the action.
class SwitchToggle : public QObject
{
    Q_OBJECT
public:
    /// Follows `schedulerSwitch` (null to detach).
    void bind(SchedulerSwitch *schedulerSwitch);
    /// Redraws the action, e.g. after the palette changed.
    void refresh() { redraw(); }

Q_SIGNALS:
    /// A change could not be stored; the action shows the stored state again.
    void saveFailed(const QString &message);

protected:
    SwitchToggle(QAction *action, QObject *parent);
    /// Draws the action for the stored state (nothing while it is unknown or there is no
    /// workspace: `bound` tells which). The base class has set the action's enabled state.
    virtual void draw(std::optional<bool> on, bool bound) = 0;
    QAction *action() const { return m_action; }
    /// Call at the end of a subclass's constructor: draws the action the first time.
    void redraw();

private:
    QAction *m_action;
    QPointer<SchedulerSwitch> m_switch;
    bool m_saving = false;
};

} // namespace millrace::ui
