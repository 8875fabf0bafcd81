#pragma once

#include "core/serving/servingservice.h"
#include "ui/panels/serving/servingcontroller.h"
#include "ui/panels/serving/servingqueries.h"

#include <QGroupBox>
#include <QList>

#include <optional>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QStackedWidget;
QT_END_NAMESPACE

namespace millrace::ui {

/// What to serve and how, and the Start and Stop buttons: the registered model, the target
/// (a stage, Production by default; an alias; or a fixed version), the address (loopback by
/// default, with a warning for any other), port and inference workers, and the serving token
/// (set or removed in the keychain, never shown). The fields are locked while serving runs.
class ServingControls : public QGroupBox
{
    Q_OBJECT
public:
    explicit ServingControls(QWidget *parent = nullptr);

    /// Offers `models` (sorted by name), keeping the choice when it is still there.
    void setModels(const QList<ServableModel> &models);
    /// Says the models could not be read (`message` empty: clears it).
    void setLoadError(const QString &message);
    /// Follows serving's state: what can be edited and clicked.
    void setState(ServingController::State state);
    /// Whether a token was found in the keychain (nothing: not known yet).
    void setTokenStored(std::optional<bool> stored);

    /// The configuration the fields describe, or nothing with the reason in `problem`.
    std::optional<serving::ServingConfig> config(QString *problem) const;
    /// The model chosen, or null.
    const ServableModel *currentModel() const;

Q_SIGNALS:
    void startRequested();
    void stopRequested();
    /// Another model was chosen.
    void modelChanged();
    /// A token was stored or removed (it applies from the next start).
    void tokenChanged(bool stored);

private:
    void fillTargets();
    void updateResolution();
    void updateRemoteWarning();
    void updateTokenLabel();
    void setToken();
    void removeToken();
    void saveSettings() const;

    QList<ServableModel> m_models;
    ServingController::State m_state = ServingController::State::Stopped;
    std::optional<bool> m_tokenStored;
    QString m_tokenNote;

    QComboBox *m_model;
    QComboBox *m_targetKind;
    QStackedWidget *m_targetValue;
    QComboBox *m_stage;
    QComboBox *m_alias;
    QComboBox *m_version;
    QLabel *m_resolution;
    QLineEdit *m_address;
    QSpinBox *m_port;
    QSpinBox *m_workers;
    QLabel *m_tokenState;
    QPushButton *m_tokenButton;
    QLabel *m_remoteWarning;
    QLabel *m_error;
    QPushButton *m_start;
    QPushButton *m_stop;
};

} // namespace millrace::ui
