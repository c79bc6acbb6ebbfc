/** The dashboard's access to the API: the typed client and the query hooks. */
export {
  ApiError,
  apiDelete,
  apiGet,
  apiGetAt,
  apiPatch,
  apiPost,
  apiPostAt,
  apiPostForm,
  type BodyOf,
  type QueryOf,
  type ResponseOf,
} from './client';
export {
  createQueryClient,
  invalidateCustomerData,
  type Overview,
  type OverviewQuery,
  type Role,
  type Session,
  useLogin,
  useLogout,
  useOverview,
  useSession,
  useSwitchWorkspace,
  useWorkspace,
  type Workspace,
} from './queries';
