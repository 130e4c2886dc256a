"""All ORM models. Import from here so Alembic and services see one metadata."""

from hotline.models.accounts import Role, User
from hotline.models.agents import (
    AgentProfile,
    AgentState,
    AgentStateChange,
    QueueEntry,
    QueueEntryState,
    QueueEvent,
    RingBackRequest,
    RingBackState,
)
from hotline.models.analytics import CaseRollup, RollupWatermark
from hotline.models.appointments import Appointment, AppointmentCapacity, AppointmentKind, AppointmentStatus
from hotline.models.audit import AuditRecord
from hotline.models.base import Base, utcnow
from hotline.models.calendar import CalendarDay, CalendarYear, DayKind
from hotline.models.callbacks import (
    AnswerSource,
    AuditVerdict,
    Callback,
    CallbackAttempt,
    CallbackResult,
    CallbackState,
    DoNotCall,
)
from hotline.models.calls import Call, CallDirection, TranscriptStatus, Utterance
from hotline.models.case_photos import CasePhoto
from hotline.models.case_work import CaseCoHandler, CaseExtension, ExtensionStatus
from hotline.models.cases import Case, CaseEvent, CaseStatus, Channel, Intent
from hotline.models.grid import (
    GridHousehold,
    GridHouseholdKind,
    GridTask,
    GridTaskKind,
    GridTaskOutcome,
    GridTaskStatus,
    LinkedHousehold,
)
from hotline.models.item_changes import ChangeStatus, ItemChangeRequest
from hotline.models.kb import ItemKind, ItemStatus, ServiceItem, ServiceItemRevision
from hotline.models.learning import ClassifierCorrection, RoutingRule
from hotline.models.nuisance import NuisanceNumber, NuisanceState
from hotline.models.org import Department, DepartmentKind, Site, SiteLevel, Window
from hotline.models.prompts import PromptRecording
from hotline.models.red_teams import (
    HomeVisitRecord,
    RedTeam,
    RedTeamMember,
    ResidentGroup,
    ServiceDay,
    ServiceDayKind,
    SpecialResident,
    VisitOutcome,
)
from hotline.models.reply_templates import ReplyTemplate
from hotline.models.sms import SmsKind, SmsMessage, SmsOptOut, SmsState
from hotline.models.speech_quality import (
    DeferredState,
    DeferredTranscription,
    ReviewState,
    TranscriptReview,
)
from hotline.models.topics import CaseTopicTerms, TopicCountState, TopicSpike, TopicTermCount
from hotline.models.transfer import CaseOfflineStep
from hotline.models.web_sessions import WebSession

__all__ = [
    "CaseTopicTerms",
    "TopicCountState",
    "TopicSpike",
    "TopicTermCount",
    "PromptRecording",
    "AgentProfile",
    "AgentState",
    "AgentStateChange",
    "QueueEntry",
    "QueueEntryState",
    "QueueEvent",
    "RingBackRequest",
    "RingBackState",
    "AnswerSource",
    "AuditVerdict",
    "Callback",
    "CallbackAttempt",
    "CallbackResult",
    "CallbackState",
    "DoNotCall",
    "Appointment",
    "AppointmentCapacity",
    "AppointmentKind",
    "AppointmentStatus",
    "AuditRecord",
    "CalendarDay",
    "CalendarYear",
    "ChangeStatus",
    "ItemChangeRequest",
    "HomeVisitRecord",
    "RedTeam",
    "RedTeamMember",
    "VisitOutcome",
    "ResidentGroup",
    "ServiceDay",
    "ServiceDayKind",
    "SpecialResident",
    "CaseOfflineStep",
    "GridHousehold",
    "GridHouseholdKind",
    "GridTask",
    "GridTaskKind",
    "GridTaskOutcome",
    "GridTaskStatus",
    "LinkedHousehold",
    "CaseCoHandler",
    "CasePhoto",
    "CaseExtension",
    "CaseRollup",
    "RollupWatermark",
    "DayKind",
    "ExtensionStatus",
    "WebSession",
    "Call",
    "CallDirection",
    "Case",
    "CaseEvent",
    "CaseStatus",
    "Channel",
    "Intent",
    "NuisanceNumber",
    "NuisanceState",
    "ReplyTemplate",
    "SmsKind",
    "SmsMessage",
    "SmsOptOut",
    "SmsState",
    "DeferredState",
    "DeferredTranscription",
    "ReviewState",
    "TranscriptReview",
    "TranscriptStatus",
    "Utterance",
    "Base",
    "ClassifierCorrection",
    "Department",
    "DepartmentKind",
    "ItemKind",
    "ItemStatus",
    "ServiceItem",
    "ServiceItemRevision",
    "Role",
    "RoutingRule",
    "Site",
    "SiteLevel",
    "User",
    "Window",
    "utcnow",
]
