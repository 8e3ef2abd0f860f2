import type { ErrorCodeCatalogue } from '@avn/common';

/** Error codes of products, privileges, role templates, subscriptions and connections. */
export const PRODUCTS_ERROR_CODES = {
  PRODUCT_CODE_TAKEN: { status: 409, description: 'A product with this code exists.' },
  PRIVILEGE_EXISTS: { status: 409, description: 'The product already has this privilege.' },
  PRIVILEGE_IMMUTABLE: { status: 422, description: 'A privilege keeps its code and product once created.', raisedBy: 'database' },
  RESOURCE_TYPE_NOT_ALLOWED: { status: 422, description: "The privilege's resource type is not in the product's allowedResourceTypes." },
  RESOURCE_TYPE_IN_USE: { status: 422, description: 'A resource type cannot be removed while privileges use it.' },
  ROLE_TEMPLATE_EXISTS: { status: 409, description: 'The product already has a role template with this code.' },
  ROLE_CODE_CONFLICT: {
    status: 409,
    description: "A subscribed team already has a role with the template's code that does not come from it.",
  },
  INVALID_PROVISIONING_SCRIPT: {
    status: 422,
    description: 'The provisioning script path is not a file name inside the provisioning directory.',
  },
  PROVISIONING_SCRIPT_NOT_FOUND: { status: 422, description: 'The provisioning script does not exist.' },
  SUBSCRIPTION_EXISTS: { status: 409, description: 'The team already has a live subscription to this product.' },
  PRODUCT_RETIRED: { status: 422, description: 'A retired product takes no new subscriptions.' },
  NOT_RETRYABLE: { status: 422, description: 'Only a failed subscription can be retried.' },
  SEATS_EXHAUSTED: {
    status: 422,
    description: "More members would hold the product's roles than the subscription has seats.",
    raisedBy: 'database',
  },
} satisfies ErrorCodeCatalogue;
