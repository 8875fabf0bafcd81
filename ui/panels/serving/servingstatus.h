#pragma once

#include <QFrame>

QT_BEGIN_NAMESPACE
class QLabel;
class QLineEdit;
class QToolButton;
QT_END_NAMESPACE

namespace millrace::ui {

class ServingController;

/// Where serving stands, at the top of the Serving panel: the state (stopped, starting,
/// serving, failed with the reason) as a coloured dot and words, the versions in service and
/// the A/B split, the URL to send requests to (selectable, with a copy button), a warning
/// when the server is open to the network without a token, and the last deployment that
/// failed.
class ServingStatus : public QFrame
{
    Q_OBJECT
public:
    /// `controller` must outlive the widget.
    explicit ServingStatus(const ServingController &controller, QWidget *parent = nullptr);

    /// Shows the controller's state now.
    void refresh();
    /// Shows a deployment that failed (the previous one stays in service).
    void setDeploymentFailure(const QString &message);
    /// The status bar's words for it: "Serving: v3 on http://127.0.0.1:5001".
    QString summary() const;

protected:
    void changeEvent(QEvent *event) override;

private:
    void updateColours();

    const ServingController &m_controller;
    QLabel *m_dot;
    QLabel *m_state;
    QLabel *m_served;
    QLineEdit *m_url;
    QToolButton *m_copy;
    QLabel *m_endpoints;
    QLabel *m_exposure;
    QLabel *m_failure;
};

} // namespace millrace::ui
