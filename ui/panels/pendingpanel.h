#pragma once

#include <QWidget>

namespace millrace::ui {

/// Stands in a panel's place until its feature is built: says plainly what the panel will do
/// and that it is not in this build, and shows no data.
class PendingPanel : public QWidget
{
    Q_OBJECT
public:
    PendingPanel(const QString &title, const QString &purpose, const QString &arrivesWith,
                 QWidget *parent = nullptr);
};

} // namespace millrace::ui
