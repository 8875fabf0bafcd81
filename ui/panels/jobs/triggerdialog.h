#pragma once

#include "core/base/result.h"

#include <QDialog>
#include <QJsonObject>

QT_BEGIN_NAMESPACE
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
QT_END_NAMESPACE

namespace millrace::ui {

/// Reads a run config as typed: a JSON object (empty text is the empty object). The error says
/// where the text stops being JSON ("line 3, column 5: ...") or that it is not an object.
Result<QJsonObject> parseRunConfig(const QString &text);
/// Whether `runId` is a run id the scheduler accepts (letters, digits and _-.:+, at most 250);
/// empty is fine (one is made up).
bool isAcceptableRunId(const QString &runId);

/// Trigger DAG…: the run config as JSON, filled in with the DAG's default config, and an
/// optional run id. The Trigger button is enabled only while both are valid; the error says
/// what is wrong as the user types.
class TriggerDialog : public QDialog
{
    Q_OBJECT
public:
    TriggerDialog(const QString &dagId, const QJsonObject &defaultConfig,
                  QWidget *parent = nullptr);

    QString dagId() const { return m_dagId; }
    /// The config typed (valid once accepted).
    QJsonObject config() const;
    /// The run id typed, or empty.
    QString runId() const;

private:
    void validate();

    QString m_dagId;
    QPlainTextEdit *m_config;
    QLineEdit *m_runId;
    QLabel *m_error;
    QPushButton *m_trigger;
};

} // namespace millrace::ui
