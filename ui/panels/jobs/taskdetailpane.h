#pragma once

#include "ui/panels/jobs/jobsqueries.h"

#include <QWidget>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QPlainTextEdit;
QT_END_NAMESPACE

namespace millrace::ui {

class LogTail;
class LogView;

/// The chosen task instance: its state, try (number of most), operator, pool, start, end,
/// duration, message and result (XCom), a choice of its tries, and the chosen try's log, which
/// is followed live while that try runs. The log is read off the GUI thread (LogTail).
class TaskDetailPane : public QWidget
{
    Q_OBJECT
public:
    explicit TaskDetailPane(QWidget *parent = nullptr);
    ~TaskDetailPane() override;

    /// The workspace's logs folder, where the try logs are.
    void setLogsDir(const QString &logsDir);
    /// Shows task `taskId` of the run in `detail`; called again with newer detail, it updates in
    /// place and keeps the chosen try (or moves to a new try when the latest was chosen).
    void showTask(const RunDetail &detail, const QString &taskId);
    /// Shows nothing but `message`.
    void showNothing(const QString &message);

    /// The task shown, or empty.
    QString taskId() const { return m_taskId; }
    qint64 runRow() const { return m_detail.run.row; }
    /// The try whose log is shown (0: none).
    int shownTry() const { return m_shownTry; }
    /// The log file followed, or empty.
    QString logPath() const;
    /// The text of the log view.
    QString logText() const;

private:
    void fillTries(const scheduler::TaskInstanceRecord *instance);
    void followLog();
    void onTryChosen(int index);

    QString m_logsDir;
    RunDetail m_detail;
    QString m_taskId;
    int m_shownTry = 0;
    bool m_followLatest = true; ///< the latest try is chosen: a new try takes its place

    QLabel *m_title;
    QLabel *m_state;
    QLabel *m_try;
    QLabel *m_operator;
    QLabel *m_pool;
    QLabel *m_started;
    QLabel *m_ended;
    QLabel *m_duration;
    QLabel *m_message;
    QPlainTextEdit *m_result;
    QComboBox *m_tries;
    QLabel *m_logStatus;
    LogView *m_log;
    LogTail *m_tail;
};

} // namespace millrace::ui
