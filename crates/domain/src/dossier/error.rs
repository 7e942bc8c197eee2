//! Why `decide` refused a command: one error enum with stable codes for message catalogues.

use time::OffsetDateTime;

use super::command::CommandKind;
use super::status::DossierStatus;
use crate::authz::Role;
use crate::calendar::ExtensionError;

/// A refused transition. [`TransitionError::as_str`] gives the stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("{} is not allowed while the dossier is {}", command.as_str(), status.map_or("a draft", DossierStatus::as_str))]
    NotAllowedInState {
        command: CommandKind,
        status: Option<DossierStatus>,
    },
    #[error("this actor may not {}", command.as_str())]
    RoleNotAllowed { command: CommandKind },
    #[error("the current step is worked by {}", expected.as_str())]
    NotStepRole { expected: Role },
    #[error("the current step does not allow {}", command.as_str())]
    ActionNotInStep { command: CommandKind },
    #[error("the workflow has no step {index}")]
    NoSuchStep { index: usize },
    #[error("forward goes to a later step")]
    ForwardNotLater,
    #[error("return goes to an earlier step")]
    ReturnNotEarlier,
    #[error("the dossier follows workflow version {dossier}, not {given}")]
    WorkflowVersion { dossier: u32, given: u32 },
    #[error("the command is dated {now}, before the dossier's last event at {last}")]
    ClockBeforeLastEvent {
        now: OffsetDateTime,
        last: OffsetDateTime,
    },
    #[error("{field} is required")]
    Required { field: &'static str },
    #[error("the dossier has not been approved")]
    NotApproved,
    #[error("the dossier has already been approved")]
    AlreadyApproved,
    #[error("the result has not been signed")]
    NotSigned,
    #[error("the result has already been signed")]
    AlreadySigned,
    #[error("the due time must be after the time of receipt")]
    DueNotAfterNow,
    #[error("a pause cannot bring the due time forward")]
    DueEarlier,
    #[error("the new due time is required when the clock was paused")]
    DueRequired,
    #[error("no due time is expected before the dossier is received")]
    DueUnexpected,
    #[error("the dossier has no code yet: give one at receipt")]
    CodeMissing,
    #[error("the dossier already has a code")]
    CodeAlreadyAssigned,
    #[error("extension refused: {0}")]
    Extension(ExtensionError),
    #[error("the dossier has too many events")]
    SequenceOverflow,
    #[error("the amount must be between 1 đồng and the largest obligation")]
    AmountOutOfRange,
    #[error("the result is with the postal operator; wait for delivery or its return")]
    ResultInPost,
    #[error("the shipment of the posted result is already recorded")]
    ShipmentAlreadyRecorded,
    #[error("the tracking number is not the posted result's")]
    TrackingMismatch,
    #[error("a tracking number is letters, digits and '-' only")]
    TrackingMalformed,
    #[error("the postal fee must be between 0 and the largest fee")]
    FeeOutOfRange,
    #[error("a postmark is after the day of receipt")]
    PostmarkInFuture,
    /// A dossier registered online and then sent by post cannot have left before it was
    /// registered.
    #[error("a postmark is before the day the dossier was registered online")]
    PostmarkBeforeRegistration,
    #[error("the day to supplement by must be after today")]
    SupplementDueNotFuture,
}

impl TransitionError {
    /// Stable code for message catalogues.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::NotAllowedInState { .. } => "dossier-not-allowed-in-state",
            Self::RoleNotAllowed { .. } => "dossier-role-not-allowed",
            Self::NotStepRole { .. } => "dossier-not-step-role",
            Self::ActionNotInStep { .. } => "dossier-action-not-in-step",
            Self::NoSuchStep { .. } => "dossier-no-such-step",
            Self::ForwardNotLater => "dossier-forward-not-later",
            Self::ReturnNotEarlier => "dossier-return-not-earlier",
            Self::WorkflowVersion { .. } => "dossier-workflow-version",
            Self::ClockBeforeLastEvent { .. } => "dossier-clock-before-last-event",
            Self::Required { .. } => "dossier-field-required",
            Self::NotApproved => "dossier-not-approved",
            Self::AlreadyApproved => "dossier-already-approved",
            Self::NotSigned => "dossier-not-signed",
            Self::AlreadySigned => "dossier-already-signed",
            Self::DueNotAfterNow => "dossier-due-not-after-now",
            Self::DueEarlier => "dossier-due-earlier",
            Self::DueRequired => "dossier-due-required",
            Self::DueUnexpected => "dossier-due-unexpected",
            Self::CodeMissing => "dossier-code-missing",
            Self::CodeAlreadyAssigned => "dossier-code-already-assigned",
            Self::Extension(ExtensionError::AlreadyExtended) => "dossier-extension-already-used",
            Self::Extension(ExtensionError::PastDue) => "dossier-extension-past-due",
            Self::Extension(ExtensionError::NotLater) => "dossier-extension-not-later",
            Self::Extension(ExtensionError::NotAWorkingDay) => "dossier-extension-not-working-day",
            Self::SequenceOverflow => "dossier-sequence-overflow",
            Self::AmountOutOfRange => "dossier-amount-out-of-range",
            Self::ResultInPost => "dossier-result-in-post",
            Self::ShipmentAlreadyRecorded => "dossier-shipment-already-recorded",
            Self::TrackingMismatch => "dossier-tracking-mismatch",
            Self::TrackingMalformed => "dossier-tracking-malformed",
            Self::FeeOutOfRange => "dossier-fee-out-of-range",
            Self::PostmarkInFuture => "dossier-postmark-in-future",
            Self::PostmarkBeforeRegistration => "dossier-postmark-before-registration",
            Self::SupplementDueNotFuture => "dossier-supplement-due-not-future",
        }
    }
}
