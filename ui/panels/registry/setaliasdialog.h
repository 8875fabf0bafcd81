#pragma once

#include "core/registry/registrytypes.h"

#include <QDialog>
#include <QList>

QT_BEGIN_NAMESPACE
class QLabel;
class QLineEdit;
class QPushButton;
QT_END_NAMESPACE

namespace millrace::ui {

/// Why `alias` cannot be set as a model version alias, by MLflow's rules (letters, digits,
/// underscores and dashes; not "latest", which MLflow resolves itself; not "v" and digits,
/// which read as a version), or empty when it can.
QString aliasProblem(const QString &alias);

/// Asks for the alias to point at a version: says where an existing alias points now and that
/// it will move, and refuses a name MLflow would refuse, saying why, before anything is written.
class SetAliasDialog : public QDialog
{
    Q_OBJECT
public:
    /// For `version` of the model `modelName`, whose aliases are `existing`.
    SetAliasDialog(const QString &modelName, qint64 version,
                   const QList<registry::ModelAlias> &existing, QWidget *parent = nullptr);

    /// The alias typed, trimmed.
    QString alias() const;

    /// Closes only with an alias that can be set; otherwise keeps the dialog up.
    void accept() override;

private:
    void update();

    qint64 m_version;
    QList<registry::ModelAlias> m_existing;
    QLineEdit *m_alias;
    QLabel *m_message;
    QPushButton *m_setButton;
};

} // namespace millrace::ui
