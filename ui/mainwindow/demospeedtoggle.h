#pragma once

#include "ui/mainwindow/switchtoggle.h"

namespace millrace::ui {

/// The toolbar's checkable Demo speed action: checked while DAGs with a demo_schedule run on it
/// (the shipped pipeline: the stream every minute, the update every five).
class DemoSpeedToggle : public SwitchToggle
{
    Q_OBJECT
public:
    explicit DemoSpeedToggle(QAction *action, QObject *parent = nullptr);

protected:
    void draw(std::optional<bool> on, bool bound) override;
};

} // namespace millrace::ui
