// Day names of weekly schedules, in the order of Date#getUTCDay: shared by the API's schema and the
// workflow's schedule arithmetic without putting zod into workflow code.
export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
