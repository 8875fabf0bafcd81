#include "ui/mainwindow/demospeedtoggle.h"

#include <QAction>

namespace millrace::ui {

DemoSpeedToggle::DemoSpeedToggle(QAction *action, QObject *parent) : SwitchToggle(action, parent)
{
    action->setObjectName(QStringLiteral("demoSpeedAction"));
    action->setText(tr("Demo speed"));
    action->setCheckable(true);
    redraw();
}

void DemoSpeedToggle::draw(std::optional<bool> on, bool)
{
    action()->setChecked(on.value_or(false));
    action()->setToolTip(
        on.value_or(false)
            ? tr("Demo speed is on: DAGs with a demo schedule run on it (the shipped pipeline "
                 "streams every minute and updates the model every five). Uncheck to run them "
                 "on their real schedules.")
            : tr("Demo speed is off: DAGs run on their real schedules. Check to run those with a "
                 "demo schedule on it (the shipped pipeline streams every minute and updates "
                 "the model every five)."));
}

} // namespace millrace::ui
