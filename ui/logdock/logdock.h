#pragma once

#include <QDockWidget>

QT_BEGIN_NAMESPACE
class QTableView;
QT_END_NAMESPACE

namespace millrace {
class LogBus;
}

namespace millrace::ui {

class LogModel;
class LogFilterModel;

/// Dock that shows what the app logs, from every module and thread, with a level and text filter.
/// Follows the newest message while scrolled to the bottom.
class LogDock : public QDockWidget
{
    Q_OBJECT
public:
    explicit LogDock(QWidget *parent = nullptr);

    /// Shows `bus`'s backlog and, from now on, everything it receives.
    void follow(LogBus *bus);
    LogModel *model() const { return m_model; }

private:
    LogModel *m_model;
    LogFilterModel *m_filter;
    QTableView *m_view;
    quint64 m_backlogEnd = 0; ///< last sequence shown from the backlog
};

} // namespace millrace::ui
