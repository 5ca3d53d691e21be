// The slice of OCSF 1.5.0 the source mappers emit (Mondoo first): class/category ids and the captions the schema
// gives them. The mapper must stay free of I/O, so these are constants rather than schema reads;
// the schema-driven validator in lib/ocsf checks every caption and id against the schema files.

export const OCSF_VERSION = '1.5.0';

export const ACCOUNT_CHANGE = 3001;
export const ENTITY_MANAGEMENT = 3004;
export const API_ACTIVITY = 6003;
export type OcsfClassUid = typeof ACCOUNT_CHANGE | typeof ENTITY_MANAGEMENT | typeof API_ACTIVITY;

interface OcsfClassInfo {
  caption: string;
  categoryUid: number;
  categoryCaption: string;
  /** activity_id -> caption, only the activities the mapper uses (plus 99 Other). */
  activities: Readonly<Record<number, string>>;
}

export const OCSF_CLASSES: Readonly<Record<OcsfClassUid, OcsfClassInfo>> = {
  [ACCOUNT_CHANGE]: {
    caption: 'Account Change',
    categoryUid: 3,
    categoryCaption: 'Identity & Access Management',
    activities: { 1: 'Create', 6: 'Delete', 99: 'Other' },
  },
  [ENTITY_MANAGEMENT]: {
    caption: 'Entity Management',
    categoryUid: 3,
    categoryCaption: 'Identity & Access Management',
    activities: { 1: 'Create', 3: 'Update', 4: 'Delete', 99: 'Other' },
  },
  [API_ACTIVITY]: {
    caption: 'API Activity',
    categoryUid: 6,
    categoryCaption: 'Application Activity',
    activities: { 1: 'Create', 3: 'Update', 4: 'Delete', 99: 'Other' },
  },
};

export const ACTIVITY_CREATE = 1;
export const ACTIVITY_UPDATE = 3;
/** Entity Management and API Activity: 4 Delete. */
export const ACTIVITY_DELETE = 4;
/** Account Change numbers its activities differently: 6 is Delete (4 is Password Reset). */
export const ACCOUNT_CHANGE_DELETE = 6;
export const ACTIVITY_OTHER = 99;

export const SEVERITY_INFORMATIONAL = { id: 1, caption: 'Informational' } as const;

/** managed_entity.type_id values used for Mondoo resources. */
export const MANAGED_ENTITY_ORGANIZATION = { id: 4, caption: 'Organization' } as const;
export const MANAGED_ENTITY_OTHER = 99;

/** user.type_id values: Mondoo's people are 1 User; service accounts are 99 Other with their own label. */
export const USER_TYPE_USER = { id: 1, caption: 'User' } as const;
export const USER_TYPE_OTHER = 99;

/** observable.type_id values, from the data types that define them (ip_t, username_t). */
export const OBSERVABLE_IP_ADDRESS = { id: 2, caption: 'IP Address' } as const;
export const OBSERVABLE_USER_NAME = { id: 4, caption: 'User Name' } as const;
